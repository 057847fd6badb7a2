"""The demo's incidents and maintenance in German and Japanese, so a first start shows an
update read in another language (`?lang=de`, `?lang=ja`) beside the English it was written in.
"""

from __future__ import annotations

from statuspage.incidents.commands import Translation

# English (the demo page's default language) → its German and Japanese.
NAMES: dict[str, dict[str, str]] = {
    "Elevated API error rates": {"de": "Erhöhte API-Fehlerraten", "ja": "APIエラー率の上昇"},
    "Delayed email delivery": {"de": "Verzögerte E-Mail-Zustellung", "ja": "メール配信の遅延"},
    "Database failover caused brief outage": {
        "de": "Datenbank-Failover verursachte einen kurzen Ausfall",
        "ja": "データベースのフェイルオーバーによる短時間の障害",
    },
    "Webhook deliveries delayed": {
        "de": "Verzögerte Webhook-Zustellungen",
        "ja": "Webhook配信の遅延",
    },
    "Sign-in failures for SSO users": {
        "de": "Anmeldefehler bei SSO-Benutzern",
        "ja": "SSOユーザーのサインイン障害",
    },
    "Asia Pacific network disruption": {
        "de": "Netzwerkstörung in der Region Asien-Pazifik",
        "ja": "アジア太平洋地域のネットワーク障害",
    },
    "iOS push notifications delayed": {
        "de": "Verzögerte iOS-Push-Benachrichtigungen",
        "ja": "iOSプッシュ通知の遅延",
    },
    "Slow dashboard loading": {
        "de": "Langsames Laden des Dashboards",
        "ja": "ダッシュボードの読み込み遅延",
    },
    "Database engine upgrade": {
        "de": "Upgrade der Datenbank-Engine",
        "ja": "データベースエンジンのアップグレード",
    },
    "Network maintenance in EU West": {
        "de": "Netzwerkwartung in EU West",
        "ja": "EU Westのネットワークメンテナンス",
    },
    "Increased latency in EU West": {
        "de": "Erhöhte Latenz in EU West",
        "ja": "EU Westでのレイテンシの増加",
    },
}

BODIES: dict[str, dict[str, str]] = {
    "We are investigating reports of problems. More details soon.": {
        "de": "Wir untersuchen Meldungen über Probleme. Weitere Details folgen in Kürze.",
        "ja": "問題の報告を受けて調査しています。詳細は追ってお知らせします。",
    },
    "We have identified the cause and are rolling out a fix.": {
        "de": "Wir haben die Ursache gefunden und spielen eine Korrektur ein.",
        "ja": "原因を特定し、修正を展開しています。",
    },
    "A fix is in place and we are monitoring the results.": {
        "de": "Eine Korrektur ist eingespielt; wir beobachten die Ergebnisse.",
        "ja": "修正を適用しました。現在、結果を監視しています。",
    },
    "This incident has been resolved. Thank you for your patience.": {
        "de": "Diese Störung ist behoben. Vielen Dank für Ihre Geduld.",
        "ja": "このインシデントは解決しました。ご辛抱いただきありがとうございました。",
    },
    "We will upgrade the database engine. Brief read-only periods are expected.": {
        "de": "Wir aktualisieren die Datenbank-Engine. Kurze Phasen, in denen nur Lesen "
        "möglich ist, sind zu erwarten.",
        "ja": "データベースエンジンをアップグレードします。短時間、読み取り専用になる時間帯が"
        "発生する見込みです。",
    },
    "Maintenance is under way.": {
        "de": "Die Wartung läuft.",
        "ja": "メンテナンスを実施中です。",
    },
    "The upgrade is complete.": {
        "de": "Das Upgrade ist abgeschlossen.",
        "ja": "アップグレードが完了しました。",
    },
    "Our provider will replace core switches. Connections may drop for a few seconds.": {
        "de": "Unser Anbieter tauscht zentrale Switches aus. Verbindungen können für einige "
        "Sekunden abbrechen.",
        "ja": "プロバイダーがコアスイッチを交換します。接続が数秒間切断される場合があります。",
    },
    "Some requests routed through **EU West** are slower than usual. We are investigating.": {
        "de": "Einige Anfragen über **EU West** sind langsamer als üblich. Wir untersuchen "
        "die Ursache.",
        "ja": "**EU West** を経由する一部のリクエストが通常より遅くなっています。調査中です。",
    },
    "We traced the latency to an overloaded load balancer and are adding capacity.": {
        "de": "Die Latenz geht auf einen überlasteten Load Balancer zurück; wir erweitern "
        "die Kapazität.",
        "ja": "レイテンシの原因が過負荷のロードバランサーであると突き止め、容量を増強しています。",
    },
}


def translated(body: str, name: str | None = None) -> list[Translation]:
    """An update's German and Japanese: its message, and with `name` (an incident's first
    update) the incident's title too."""
    return [
        Translation(lang, NAMES[name][lang] if name else None, text)
        for lang, text in BODIES[body].items()
    ]

"""The page's social accounts (X, Mastodon) and incidents' threads on them."""

"""Subscribers and their contact points: email, SMS, web push, webhooks and chat hooks."""

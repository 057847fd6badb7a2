"""The domain: plain functions over models. No request, no flash, no templates; callers commit."""

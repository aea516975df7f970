"""Small filters for the site's frame (core/base.html and the legal pages)."""

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def host(url: str) -> str:
    """A web address as people read it: "https://www.adn.be/" → "www.adn.be"."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    return f"{parts.netloc}{path}" if parts.netloc else url

"""Selectors in HTML source profiles: CSS (through cssselect), or XPath when the text
starts with `/` or `(` (`//h2[span]`, `(//h2)[2]`), for what CSS cannot say."""
from __future__ import annotations

from functools import lru_cache

from lxml import etree


def is_xpath(selector: str) -> bool:
    return selector.lstrip().startswith(("/", "("))


@lru_cache(maxsize=256)
def compiled(selector: str) -> etree.XPath:
    """The selector as a compiled XPath (raises ValueError with the reason)."""
    if is_xpath(selector):
        try:
            return etree.XPath(selector)
        except etree.XPathSyntaxError as e:
            raise ValueError(f"bad XPath: {e}") from None
    from cssselect import SelectorError
    from lxml.cssselect import CSSSelector

    try:
        return CSSSelector(selector)
    except SelectorError as e:
        raise ValueError(f"bad CSS selector: {e}") from None


def selector_problem(selector: str) -> str | None:
    """Why the selector cannot be used, or None (for config validation)."""
    try:
        compiled(selector)
    except ValueError as e:
        return f"{e} in {selector!r}"
    return None


def select(root, selector: str) -> list:
    """The elements the selector picks, in document order (text results are left out)."""
    found = compiled(selector)(root)
    if not isinstance(found, list):
        return []
    return [el for el in found if isinstance(el, etree._Element)]

"""The YAML loader for front matter and config.yaml: safe, and strict where YAML is lenient.

- No aliases (`*name`): nine nested `&a [*a, *a, ...]` expand to billions of items
  (an alias bomb); nothing in a content file or the config needs them.
- No key given twice in one mapping: loaders silently keep the last value.
- An impossible timestamp (`date: 2019-02-30`), or a number longer than Python turns
  into an int, is a YAML error with its line, not a ValueError from deep inside the loader.
"""
from __future__ import annotations

import sys

import yaml
from yaml.constructor import ConstructorError

from . import plainyaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present


class _CheckedDates(SafeLoader):
    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as e:
            raise ConstructorError(None, None, f"impossible date {node.value[:100]!r} ({e})", node.start_mark)

    def construct_yaml_int(self, node):
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # over Python's 4,300 digits for a string made an int
            raise ConstructorError(None, None, f"number too long: {len(node.value):,} characters (Python reads "
                                               f"at most {sys.get_int_max_str_digits():,} digits)", node.start_mark)


_CheckedDates.add_constructor("tag:yaml.org,2002:timestamp", _CheckedDates.construct_yaml_timestamp)
_CheckedDates.add_constructor("tag:yaml.org,2002:int", _CheckedDates.construct_yaml_int)


class NoAliasLoader(_CheckedDates):
    """Safe loading without aliases and with checked timestamps (config.yaml, which
    reports duplicate keys itself, with both lines)."""

    def construct_object(self, node, deep=False):
        # A node met a second time is an alias of an anchored one.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise ConstructorError(None, None, "YAML aliases (*name) are not allowed; write the value out "
                                               "(the anchored value starts here)", node.start_mark)
        return super().construct_object(node, deep)


class UniqueKeysLoader(_CheckedDates):
    """Safe loading with checked timestamps and no key twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                line = key_node.start_mark.line
                if key_node.value in seen:
                    raise ConstructorError(None, None, f"duplicate key {key_node.value[:100]!r} (given "
                                                       f"{line - seen[key_node.value]} line(s) above too)",
                                           key_node.start_mark)
                seen[key_node.value] = line
        return super().construct_mapping(node, deep)


class StrictLoader(NoAliasLoader, UniqueKeysLoader):
    """Both: front matter."""


def load_front_matter(text: str):
    """Front matter YAML, strictly. The usual shape (plainyaml) needs no YAML parser; without
    a `*` there can be no alias, and the loader that checks for one (a Python call per node,
    15% of the parse) is not needed."""
    meta = plainyaml.parse(text)
    if meta is not None:
        return meta
    return yaml.load(text, Loader=StrictLoader if "*" in text else UniqueKeysLoader)

#!/bin/sh
# Writes game/rules_version.h: WR_RULES_VERSION, the first 16 hex digits of
# the sha256 of every game/ source (a content hash: the same rules give the
# same version in any checkout; docs/journal.md).  Arguments: the sources.
printf '#define WR_RULES_VERSION "%s"\n' "$(cat "$@" | sha256sum | cut -c1-16)"

"""Schemathesis hooks for `npm run test:schema` (loaded through test/schema/schemathesis.toml).

`DELETE /topics/{topic}?cluster=C` (DELETE_TOPIC_IN_NAMESRV with a cluster) removes only the queue
data of C's groups: API.md says the topic disappears when nothing is left, and answers `200 {}` even
when C holds none of it. Schemathesis's `use_after_free` reads any 2xx DELETE of a path as the end of
that resource, so a following `GET /topics/{topic}/route` that still answers (other clusters' queue
data, or an unknown C) was reported as ST301. This check is `use_after_free` itself, skipped only
when the sequence deleted with a narrowing query; every whole-route delete is still checked.
"""

import schemathesis
from schemathesis.specs.openapi.checks import use_after_free

NARROWING_QUERY = {"/topics/{topic}": ("cluster",)}


def _narrowed(case) -> bool:
    if case.operation.method.lower() != "delete":
        return False
    names = NARROWING_QUERY.get(case.operation.path, ())
    return any(name in (case.query or {}) for name in names)


@schemathesis.check
def use_after_whole_delete(ctx, response, case):
    """use_after_free, except after a DELETE that names a narrowing query parameter."""
    if any(_narrowed(related) for related in ctx.internals.find_related(case_id=case.id)):
        return None
    return use_after_free(ctx, response, case)

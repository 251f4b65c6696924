/**
 * What a gateway's change-feed round does with the entries it has not seen yet (lib/gateway/route-cache.ts
 * applies it): which topics to refetch, which groups' routes to refetch, which to patch with the
 * membership the answer carries (lib/domain/route.ts withGroupMembership).
 */
import { membershipOnlyGroup } from "../domain/change-feed";
import type { RoutesAnswer } from "./registry-api";

export type Memberships = NonNullable<NonNullable<RoutesAnswer["changes"]>["groups"]>;

/** What a feed round does: topics to refetch, groups whose routes to refetch, groups to patch. */
export interface FeedPlan {
  topics: Set<string>;
  refetchGroups: Set<string>;
  patchGroups: Set<string>;
  memberships: Memberships;
}

/**
 * The plan of a round's new entries: the topics they name are refetched; so are the routes listing a
 * group with any change but a membership one (a member joined, left or expired, no topic named), or
 * whose new membership the answer does not give, or an acting-master group; the routes listing a group
 * whose membership alone changed are patched with it.
 */
export function planOf(
  fresh: NonNullable<RoutesAnswer["changes"]>["entries"],
  memberships: Memberships,
): FeedPlan {
  const plan: FeedPlan = { topics: new Set(), refetchGroups: new Set(), patchGroups: new Set(), memberships };
  for (const change of fresh) {
    for (const topic of change.topics) plan.topics.add(topic);
    const patchable = membershipOnlyGroup(change);
    if (patchable !== undefined) plan.patchGroups.add(patchable);
    else if (change.broker !== undefined) plan.refetchGroups.add(change.broker);
  }
  for (const name of plan.patchGroups) {
    const membership = memberships[name];
    if (
      plan.refetchGroups.has(name) ||
      membership === undefined ||
      membership?.brokerData.enableActingMaster
    ) {
      plan.refetchGroups.add(name);
      plan.patchGroups.delete(name);
    }
  }
  return plan;
}

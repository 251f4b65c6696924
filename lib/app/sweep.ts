/**
 * The sweep (RocketMQ's RouteInfoManager#scanNotActiveBroker, every 30 s): expires silent brokers
 * with the removal cascade, under self-preservation's rules, finishes clean-ups that died half-way,
 * and reports the registry's health.
 */

import { runAsCaller, SWEEPER_CALLER } from "../caller-context";
import { mapLimit } from "../concurrency";
import { livenessDigest } from "../domain/change-feed";
import { isDead, livenessView } from "../domain/liveness";
import type { BrokerGroup } from "../domain/model";
import { isTombstone } from "../domain/registration";
import type { RemovalPlan } from "../domain/removal";
import { planExpiry } from "../domain/removal";
import { decideSweep } from "../domain/self-preservation";
import type { HealthReport, HistoryPage, HistoryQuery, SweepReport } from "./name-server";
import type { RemovalCascade } from "./removal-cascade";
import { type UseCaseContext, UseCases } from "./use-case-context";

/** A group without the members its expiry plan removes. */
function remainingAfter({ group, plan }: { group: BrokerGroup; plan: RemovalPlan }): BrokerGroup {
  if (plan.removals.length === 0) return group;
  const removed = new Set(plan.removals.map((r) => r.brokerId));
  const members = Object.fromEntries(
    Object.entries(group.members).filter(([, member]) => !removed.has(member.brokerId)),
  );
  return { ...group, members };
}

export class Sweeper extends UseCases {
  constructor(
    context: UseCaseContext,
    private readonly cascade: RemovalCascade,
  ) {
    super(context);
  }

  /** The sweep runs as the sweeper: its expiries are recorded as such in the history. */
  sweep(): Promise<SweepReport> {
    return runAsCaller(SWEEPER_CALLER, () => this.sweepAsSweeper());
  }

  private async sweepAsSweeper(): Promise<SweepReport> {
    const started = this.now();
    const { groups, sweeper } = await this.store.listGroups();
    const now = this.now();
    const members = groups.flatMap((g) => Object.values(g.members));
    const decision = decideSweep(sweeper, members, now, this.selfPreservation);
    const groupCount = groups.filter((g) => !isTombstone(g)).length;
    await this.store.putSweeperState({ ...decision.next, groupCount });
    // Expires everyone dead, except those self-preservation keeps (live at its `since`, silent since).
    const view = livenessView(now, decision.next);
    const plans = groups.map((group) => ({ group, plan: planExpiry(group, view) }));
    // The liveness digest (lib/domain/change-feed.ts) of the members still there after this sweep's
    // expiries: those it expires are gone from every read already, and the feed carries their expiry.
    await this.store.putLivenessDigest(livenessDigest(plans.map(remainingAfter), view));
    const dead = members.filter((m) => isDead(m, now)).length;
    const expiring = plans.reduce((n, p) => n + p.plan.removals.length, 0);

    let expiredInstances = 0;
    let removedGroups = 0;
    await mapLimit(plans, this.concurrency, async ({ group, plan }) => {
      if (isTombstone(group)) {
        // A cleanup a previous sweep or unregister did not finish.
        await this.cascade.removeEmptyGroup(group.brokerName, group.epoch);
        removedGroups++;
        return;
      }
      if (plan.removals.length === 0 && group.writeClearPending) {
        // Finishes a WRITE clearing that an unregister or a sweep died in the middle of: nothing else
        // would ever resume it. (Found by the fault tests.) The marker keeps this to unfinished ones.
        await this.cascade.clearWritePerm(group.brokerName, group.epoch);
      }
      if (plan.removals.length === 0) return;
      const removed = await this.expire(group, plan);
      expiredInstances += removed.expired;
      if (removed.groupRemoved) removedGroups++;
    });

    // History past its retention, once an hour (the first sweep of each; a table never swept has
    // none to clean): a steady sweep stays two requests.
    const hour = (t: number) => Math.floor(t / 3_600_000);
    if (sweeper.lastSweepAt !== undefined && hour(sweeper.lastSweepAt) !== hour(now)) {
      await this.history.clean(now);
    }

    return {
      groups: groups.length,
      liveInstances: members.length - dead,
      expiredInstances,
      removedGroups,
      preservedInstances: dead - expiring,
      selfPreservation: decision.next.selfPreservation,
      ...(decision.event !== undefined ? { selfPreservationEvent: decision.event } : {}),
      durationMs: this.now() - started,
    };
  }

  private async expire(
    group: BrokerGroup,
    plan: RemovalPlan,
  ): Promise<{ expired: number; groupRemoved: boolean }> {
    const after = await this.store.removeMembers(group.brokerName, group.epoch, plan.removals, {
      markWriteClear: plan.clearWritePerm,
    });
    // A conflict means a member heartbeated (or the group changed) since the sweep read it: never
    // expire on stale information; the next sweep looks again.
    if (after === "conflict") return { expired: 0, groupRemoved: false };
    await this.history.record(
      "broker.expired",
      { cluster: group.clusterName, broker: group.brokerName },
      plan.removals.map((r) => ({
        field: `members.${r.brokerId}`,
        before: group.members[String(r.brokerId)]?.brokerAddr,
      })),
    );
    await this.cascade.afterRemoval(group.brokerName, group.epoch, after);
    return { expired: plan.removals.length, groupRemoved: after === undefined || isTombstone(after) };
  }

  /** GET /history (the sweep's module holds the history's reads beside its clean-up). */
  getHistory(query: HistoryQuery): Promise<HistoryPage> {
    return this.history.page(query);
  }

  async health(): Promise<HealthReport> {
    const state = await this.store.getSweeperState();
    return {
      status: "ok",
      selfPreservation: {
        active: state.selfPreservation,
        ...(state.selfPreservation && state.since !== undefined ? { since: state.since } : {}),
        ...(state.selfPreservation && state.enteredAt !== undefined ? { enteredAt: state.enteredAt } : {}),
        ...(state.selfPreservation && state.protectUntil !== undefined
          ? { protectUntil: state.protectUntil }
          : {}),
      },
    };
  }
}

/**
 * The cascade after members leave a broker group (RocketMQ's RouteInfoManager#unRegisterBroker and
 * its clean-up): an emptied group goes with its queue data, an acting-master group without a master
 * loses WRITE. Shared by unregister (broker-registration.ts) and the sweep (sweep.ts).
 */
import { mapLimit } from "../concurrency";
import { type BrokerGroup, MASTER_ID } from "../domain/model";
import { isWriteable, withoutWrite } from "../domain/perm";
import { isTombstone } from "../domain/registration";
import { UseCases } from "./use-case-context";

export class RemovalCascade extends UseCases {
  /** The cascade after members left: an empty group goes with its queue data; an acting-master group loses WRITE. */
  async afterRemoval(brokerName: string, epoch: string, after: BrokerGroup | undefined): Promise<void> {
    if (after === undefined || isTombstone(after)) {
      await this.removeEmptyGroup(brokerName, epoch);
      return;
    }
    if (after.writeClearPending) await this.clearWritePerm(brokerName, epoch);
  }

  /**
   * Clears WRITE on the queue data of an acting-master group that has no master, then removes the
   * group's writeClearPending marker (also when a master came back and there is nothing to clear).
   */
  async clearWritePerm(brokerName: string, epoch: string): Promise<void> {
    await this.clearWritePermOnce(brokerName, epoch);
    await this.store.finishWriteClear(brokerName, epoch);
  }

  private async clearWritePermOnce(brokerName: string, epoch: string): Promise<void> {
    const queueData = (await this.store.getGroupQueueData(brokerName)).filter(
      (qd) => qd.epoch === epoch && isWriteable(qd.perm),
    );
    if (queueData.length === 0) return;
    // Read after the queue data: a master whose fresh queue data we just read is seen here.
    const before = await this.store.getGroup(brokerName);
    if (before?.epoch !== epoch || before.members[String(MASTER_ID)] !== undefined) return;
    const cleared = await mapLimit(queueData, this.concurrency, (qd) =>
      this.store.updatePerm(qd, withoutWrite(qd.perm)),
    );
    if (!cleared.some(Boolean)) return;
    // A master (a promoted slave, a restarted broker) may have registered while we cleared, and some
    // of its fresh queue data lost WRITE to us: its next heartbeat rewrites it all. (Found by the race
    // tests: RocketMQ's lock orders the two; here they interleave.)
    const group = await this.store.getGroup(brokerName);
    if (group?.epoch === epoch && group.members[String(MASTER_ID)] !== undefined) {
      await this.store.bumpTopology(brokerName, { brokerId: MASTER_ID });
    }
  }

  /**
   * The emptied group stays as a tombstone until its queue data is gone, so a sweep that dies half-way
   * leaves something the next sweep finds and finishes.
   */
  async removeEmptyGroup(brokerName: string, epoch: string): Promise<void> {
    const queueData = await this.store.getGroupQueueData(brokerName);
    if (!(await this.store.deleteQueueDataOfEmptyGroup(brokerName, epoch, queueData))) return;
    await this.store.deleteEmptyGroup(brokerName, epoch);
  }
}

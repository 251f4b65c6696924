/**
 * From a topic's route to the queues a producer may send to: RocketMQ's
 * `MQClientInstance.topicRouteData2TopicPublishInfo` and `TopicPublishInfo`.
 */
import { MASTER_ID, type TopicRouteData } from "../domain/model";
import { isWriteable } from "../domain/perm";

export { isWriteable };

/** RocketMQ's MessageQueue: one queue of a topic on one broker group. */
export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

/** Keeps a queue when it returns true (RocketMQ's `TopicPublishInfo.QueueFilter`). */
export type QueueFilter = (queue: MessageQueue) => boolean;

export class TopicPublishInfo {
  /** RocketMQ's `sendWhichQueue`: the round-robin position, shared by every selection on this topic. */
  private sendWhichQueue: number;

  constructor(
    readonly topic: string,
    readonly route: TopicRouteData,
    /** True when the queues come from the route's `orderTopicConf` (ORDER_TOPIC_CONFIG). */
    readonly orderTopic: boolean,
    readonly messageQueueList: readonly MessageQueue[],
    startIndex = 0,
  ) {
    this.sendWhichQueue = Math.abs(Math.trunc(startIndex));
  }

  /** Whether there is at least one queue to send to. */
  ok(): boolean {
    return this.messageQueueList.length > 0;
  }

  /**
   * The next queue in round-robin order that every filter keeps (each candidate advances the index), or
   * undefined when none does; without filters, simply the next queue.
   */
  selectOneMessageQueue(...filters: QueueFilter[]): MessageQueue | undefined {
    const queues = this.messageQueueList;
    if (queues.length === 0) return undefined;
    if (filters.length === 0) return queues[this.nextIndex() % queues.length];
    for (let i = 0; i < queues.length; i++) {
      const queue = queues[this.nextIndex() % queues.length];
      if (queue !== undefined && filters.every((keep) => keep(queue))) return queue;
    }
    return undefined;
  }

  /** The number of queues this topic has on a broker group (RocketMQ's `getQueueIdByBroker`). */
  writeQueueNumsOf(brokerName: string): number {
    return this.messageQueueList.filter((q) => q.brokerName === brokerName).length;
  }

  private nextIndex(): number {
    const index = this.sendWhichQueue;
    this.sendWhichQueue = index >= Number.MAX_SAFE_INTEGER ? 0 : index + 1;
    return index;
  }
}

/**
 * Parses `orderTopicConf` (`broker-a:4;broker-b:4`) into its queues. Malformed entries are skipped
 * rather than failing the whole route (RocketMQ would throw on them).
 */
export function parseOrderTopicConf(topic: string, orderTopicConf: string): MessageQueue[] {
  const queues: MessageQueue[] = [];
  for (const entry of orderTopicConf.split(";")) {
    const colon = entry.lastIndexOf(":");
    if (colon <= 0) continue;
    const brokerName = entry.slice(0, colon).trim();
    const numsText = entry.slice(colon + 1).trim();
    if (brokerName === "" || !/^\d+$/.test(numsText)) continue;
    const nums = Number(numsText);
    for (let queueId = 0; queueId < nums; queueId++) queues.push({ topic, brokerName, queueId });
  }
  return queues;
}

/**
 * RocketMQ's `topicRouteData2TopicPublishInfo`: with an `orderTopicConf`, exactly the queues it names;
 * otherwise, for the queue data sorted by brokerName, the writable ones (PermName WRITE) of groups whose
 * brokerData has a master (id 0) address, `writeQueueNums` queues each. A group without a live master
 * cannot take messages, so its queues are left out.
 */
export function topicRouteDataToPublishInfo(
  topic: string,
  route: TopicRouteData,
  startIndex = 0,
): TopicPublishInfo {
  if (route.orderTopicConf !== undefined && route.orderTopicConf.length > 0) {
    return new TopicPublishInfo(
      topic,
      route,
      true,
      parseOrderTopicConf(topic, route.orderTopicConf),
      startIndex,
    );
  }
  const queues: MessageQueue[] = [];
  const queueDatas = [...route.queueDatas].sort((a, b) =>
    a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0,
  );
  for (const queueData of queueDatas) {
    if (!isWriteable(queueData.perm)) continue;
    const brokerData = route.brokerDatas.find((b) => b.brokerName === queueData.brokerName);
    if (brokerData?.brokerAddrs[String(MASTER_ID)] === undefined) continue;
    for (let queueId = 0; queueId < queueData.writeQueueNums; queueId++) {
      queues.push({ topic, brokerName: queueData.brokerName, queueId });
    }
  }
  return new TopicPublishInfo(topic, route, false, queues, startIndex);
}

/** The master address of a group in a route (RocketMQ's `findBrokerAddressInPublish`). */
export function masterAddressOf(route: TopicRouteData, brokerName: string): string | undefined {
  return route.brokerDatas.find((b) => b.brokerName === brokerName)?.brokerAddrs[String(MASTER_ID)];
}

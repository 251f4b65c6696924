/**
 * What mqadmin's allocateMQ prints: a topic's readable queues shared among consumers the way RocketMQ's
 * default rebalance strategy (`AllocateMessageQueueAveragely`) shares them. Pure.
 */
import type { TopicRouteData } from "../../domain/model";
import { PERM_READ } from "../../domain/perm";

export interface SubscribeQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

/**
 * The queues a consumer may be given (`MQClientInstance.topicRouteData2TopicSubscribeInfo`): every read
 * queue of every group with the READ perm. Sorted by broker group, then queue id, as a consumer sorts
 * them before it rebalances.
 */
export function subscribeQueues(topic: string, route: TopicRouteData): SubscribeQueue[] {
  const queues: SubscribeQueue[] = [];
  for (const q of route.queueDatas) {
    if ((q.perm & PERM_READ) === 0) continue;
    for (let queueId = 0; queueId < q.readQueueNums; queueId++)
      queues.push({ topic, brokerName: q.brokerName, queueId });
  }
  return queues.sort((a, b) =>
    a.brokerName === b.brokerName ? a.queueId - b.queueId : a.brokerName < b.brokerName ? -1 : 1,
  );
}

/**
 * `AllocateMessageQueueAveragely`: consecutive blocks, the first `queues % clients` clients one queue
 * more; a client beyond the number of queues gets none. Clients keep the order given.
 */
export function allocateAveragely<Q>(queues: readonly Q[], clients: readonly string[]): Map<string, Q[]> {
  const result = new Map<string, Q[]>();
  const total = queues.length;
  const n = clients.length;
  clients.forEach((client, index) => {
    const mod = total % n;
    const size = total <= n ? 1 : mod > 0 && index < mod ? Math.floor(total / n) + 1 : Math.floor(total / n);
    const start = mod > 0 && index < mod ? index * size : index * size + mod;
    const range = Math.min(size, total - start);
    const mine: Q[] = [];
    for (let i = 0; i < range; i++) {
      const queue = queues[(start + i) % total];
      if (queue !== undefined) mine.push(queue);
    }
    result.set(client, mine);
  });
  return result;
}

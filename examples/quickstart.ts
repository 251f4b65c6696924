/**
 * Quickstart: a broker registers a topic with the NameServer, and a producer finds its route and picks
 * queues the way RocketMQ's client does. Start the registry first (`npm start`), then run
 * `npx tsx examples/quickstart.ts`. NAMESRV_URL (';'-separated) and NAMESRV_TOKEN are honoured.
 */
import { BrokerAgent, RouteClient, type TransportOptions } from "../lib/client";

const nameServers = (process.env.NAMESRV_URL ?? "http://127.0.0.1:9877").split(";");
const token = process.env.NAMESRV_TOKEN;
const transport: TransportOptions = token ? { auth: { kind: "bearer", token } } : {};
const topic = "QuickstartTopic";

// The broker side: register every 30 s (full table first, light heartbeats after), unregister on stop.
const agent = new BrokerAgent({
  broker: {
    clusterName: "DefaultCluster",
    brokerName: "broker-q",
    brokerId: 0,
    brokerAddr: "127.0.0.1:10931",
  },
  nameServers,
  transport,
  topicState: () => ({
    topicConfigTable: { [topic]: { topicName: topic, readQueueNums: 4, writeQueueNums: 4, perm: 6 } },
    dataVersion: { timestamp: 1, counter: 1 },
  }),
});
agent.on("registered", (e) => console.log(`broker: registered with ${e.nameServer} (${e.reason})`));
agent.on("error", (e) =>
  console.error(`broker: ${e.operation} at ${e.nameServer} failed: ${e.error.message}`),
);
// start() resolves once every NameServer answered or failed, saying whether the registration went through.
const { registered } = await agent.start();
if (!registered) {
  console.error(`no NameServer reachable at ${nameServers.join(", ")}: is \`npm start\` running?`);
  await agent.stop({ unregister: false });
  process.exit(1);
}

// The producer side: routes cached and refreshed every 30 s, queues picked round-robin, slow or
// failing brokers avoided for a while.
const routes = new RouteClient({ nameServers, transport }).start();
const route = await routes.getRoute(topic);
console.log(`producer: ${topic} is served by ${route.brokerDatas.map((b) => b.brokerName).join(", ")}`);
for (let send = 0; send < 4; send++) {
  const queue = await routes.selectOneMessageQueue(topic);
  const brokerAddr = routes.findBrokerAddressInPublish(topic, queue.brokerName);
  console.log(`producer: send ${send} → ${queue.brokerName} queue ${queue.queueId} at ${brokerAddr}`);
  // After a real send, report its latency (and `true` if it failed) so that selection avoids bad brokers.
  routes.updateFaultItem(queue.brokerName, 5, false);
}

await routes.stop();
await agent.stop();
console.log("broker: unregistered; done");

// A RocketMQ 5.3.3 producer (DefaultMQProducer, the real client from Maven Central) that sends one
// message every <periodMs> until its standard input closes or says "stop", printing one line per send
// ("ok <n> <queue>" or "fail <n> <error>") and a last line "done sent=<n> failed=<n>". Run as a Java
// single-file program: java -cp <RocketMQ jars> SendLoop.java <namesrvAddr> <topic> <periodMs> <pollMs>
// Before the counted sends it sends warm-up messages until one succeeds ("warmup <n> <error>" per
// failed try, then "ready"): a JVM that just started on a loaded machine may time out its very first
// NameServer request (the route lookup of its first send), which is not what the counted sends test.
// Used by test/interop/gateway-fleet.interop.test.ts (a gateway restarted under a sending producer).
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;

public class SendLoop {
    public static void main(String[] args) throws Exception {
        String namesrvAddr = args[0];
        String topic = args[1];
        long periodMs = Long.parseLong(args[2]);
        int pollMs = Integer.parseInt(args[3]);
        DefaultMQProducer producer = new DefaultMQProducer("send_loop_" + System.nanoTime());
        producer.setNamesrvAddr(namesrvAddr);
        // Route polls often enough to cross a gateway restart several times in a short run.
        producer.setPollNameServerInterval(pollMs);
        producer.setSendMsgTimeout(5000);
        producer.start();
        for (int attempt = 1; ; attempt++) {
            try {
                SendResult warm = producer.send(new Message(topic, "warmup".getBytes(StandardCharsets.UTF_8)));
                if (warm.getSendStatus() == SendStatus.SEND_OK) break;
                System.out.println("warmup " + attempt + " " + warm.getSendStatus());
            } catch (Exception e) {
                System.out.println("warmup " + attempt + " " + e.toString().replace('\n', ' '));
            }
            if (attempt >= 30) throw new IllegalStateException("no route for " + topic + " after 30 tries");
            System.out.flush();
            Thread.sleep(1000);
        }
        System.out.println("ready");
        System.out.flush();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread stdin = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null && !line.trim().equals("stop")) { }
            } catch (Exception ignored) { }
            running.set(false);
        });
        stdin.setDaemon(true);
        stdin.start();
        long sent = 0;
        long failed = 0;
        while (running.get()) {
            long n = sent + failed;
            try {
                SendResult result = producer.send(new Message(topic, ("m" + n).getBytes(StandardCharsets.UTF_8)));
                if (result.getSendStatus() == SendStatus.SEND_OK) {
                    sent++;
                    System.out.println("ok " + n + " " + result.getMessageQueue().getQueueId());
                } else {
                    failed++;
                    System.out.println("fail " + n + " " + result.getSendStatus());
                }
            } catch (Exception e) {
                failed++;
                System.out.println("fail " + n + " " + e.toString().replace('\n', ' '));
            }
            System.out.flush();
            Thread.sleep(periodMs);
        }
        producer.shutdown();
        System.out.println("done sent=" + sent + " failed=" + failed);
        System.out.flush();
        System.exit(0);
    }
}

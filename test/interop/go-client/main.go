// A small producer and consumer on github.com/apache/rocketmq-client-go/v2, used by the interop
// tests: it sends -count messages to -topic through the NameServer at -namesrv, then consumes them
// with a push consumer and prints one line per message received ("received <body>"), then "done".
// Exit code 0 only when every message sent was received within -timeout.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"
)

func main() {
	namesrv := flag.String("namesrv", "127.0.0.1:9876", "NameServer addresses, ';'-separated")
	topic := flag.String("topic", "GoInteropTopic", "topic to send to and consume from")
	group := flag.String("group", "go_interop", "producer and consumer group")
	count := flag.Int("count", 5, "messages to send")
	timeout := flag.Duration("timeout", 60*time.Second, "how long to wait for every message")
	flag.Parse()
	rlog.SetLogLevel("error")
	addrs := primitive.NamesrvAddr(strings.Split(*namesrv, ";"))

	p, err := rocketmq.NewProducer(producer.WithNameServer(addrs), producer.WithGroupName(*group+"_p"), producer.WithRetry(2))
	if err != nil {
		fail("new producer", err)
	}
	if err := p.Start(); err != nil {
		fail("start producer", err)
	}
	prefix := fmt.Sprintf("go-%d-", time.Now().UnixNano())
	want := map[string]bool{}
	for i := 0; i < *count; i++ {
		body := fmt.Sprintf("%s%d", prefix, i)
		res, err := sendWithRetry(p, primitive.NewMessage(*topic, []byte(body)))
		if err != nil {
			fail("send", err)
		}
		if res.Status != primitive.SendOK {
			fail("send", fmt.Errorf("status %d", res.Status))
		}
		fmt.Printf("sent %s to %s\n", body, res.MessageQueue.BrokerName)
		want[body] = true
	}
	_ = p.Shutdown()

	var mu sync.Mutex
	done := make(chan struct{})
	c, err := rocketmq.NewPushConsumer(consumer.WithNameServer(addrs), consumer.WithGroupName(*group+"_c"),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		fail("new consumer", err)
	}
	err = c.Subscribe(*topic, consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range msgs {
			body := string(m.Body)
			if want[body] {
				delete(want, body)
				fmt.Printf("received %s\n", body)
			}
		}
		if len(want) == 0 {
			select {
			case <-done:
			default:
				close(done)
			}
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		fail("subscribe", err)
	}
	if err := c.Start(); err != nil {
		fail("start consumer", err)
	}
	select {
	case <-done:
		fmt.Println("done")
		_ = c.Shutdown()
	case <-time.After(*timeout):
		mu.Lock()
		fmt.Printf("missing %d messages\n", len(want))
		mu.Unlock()
		os.Exit(1)
	}
}

// sendWithRetry gives the producer's first route lookup a few chances: the client answers "route info
// not found" at once when its 3 s route request times out, which happens on a loaded CI machine
// (seen at load 30) although the registry holds the route. Each failed try is printed.
func sendWithRetry(p rocketmq.Producer, msg *primitive.Message) (*primitive.SendResult, error) {
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		var res *primitive.SendResult
		res, err = p.SendSync(context.Background(), msg)
		if err == nil {
			return res, nil
		}
		fmt.Fprintf(os.Stderr, "send attempt %d: %v\n", attempt, err)
		time.Sleep(2 * time.Second)
	}
	return nil, err
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}

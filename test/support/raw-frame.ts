/**
 * Sends bytes as they are (a recorded request, a hand-made frame) on a raw socket and resolves with the
 * first frame answered: the answer belongs to no RemotingClient invoke, so the client cannot be used.
 */
import { connect } from "node:net";
import { FrameDecoder, type RemotingCommand } from "../../lib/remoting/codec";

export function exchangeRawFrame(port: number, bytes: Buffer): Promise<RemotingCommand> {
  const socket = connect(port, "127.0.0.1");
  const decoder = new FrameDecoder();
  return new Promise<RemotingCommand>((resolve, reject) => {
    socket.on("data", (chunk) => {
      const [first] = decoder.push(chunk);
      if (first !== undefined) resolve(first);
    });
    socket.on("error", reject);
    socket.on("connect", () => socket.write(bytes));
  }).finally(() => socket.destroy());
}

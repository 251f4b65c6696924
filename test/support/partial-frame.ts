/**
 * A connection that sends the start of a remoting frame and never the rest: what the frame budget
 * (lib/remoting/frame-budget.ts) is there to bound. Resolves once the bytes are written.
 */
import { connect, type Socket } from "node:net";

export interface PartialFrame {
  socket: Socket;
  /** Set when the server closed the connection. */
  state: { closed: boolean };
  /** Resolves when the server closes the connection. */
  closed: Promise<void>;
}

/**
 * Sends the length field of a frame announcing `frameLength` bytes and `sent` of them; the socket
 * is pushed on `opened` (for the caller's clean-up) before anything can fail.
 */
export async function sendPartialFrame(
  port: number,
  opened: Socket[],
  { host = "127.0.0.1", frameLength = 1000, sent = 10 } = {},
): Promise<PartialFrame> {
  const socket = connect(port, host);
  opened.push(socket);
  socket.on("error", () => undefined);
  const state = { closed: false };
  const closed = new Promise<void>((resolve) =>
    socket.on("close", () => {
      state.closed = true;
      resolve();
    }),
  );
  await new Promise((resolve) => socket.once("connect", resolve));
  const head = Buffer.alloc(4);
  head.writeInt32BE(frameLength);
  await new Promise<void>((resolve) =>
    socket.write(Buffer.concat([head, Buffer.alloc(sent, 1)]), () => resolve()),
  );
  return { socket, state, closed };
}

/**
 * Fault and interleaving injection for integration tests: a RegistryStore (or a DynamoDB client)
 * whose chosen methods run a hook around the real call. The hook decides what happens: run
 * something else in between, delay, or throw as if the Lambda died there.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { RegistryStore } from "../../lib/store/registry-store";

type Method<K extends keyof RegistryStore> = RegistryStore[K] extends (...args: infer A) => infer R
  ? (original: (...args: A) => R, ...args: A) => R
  : never;

export type StoreHooks = { [K in keyof RegistryStore]?: Method<K> };

export function hookStore(store: RegistryStore, hooks: StoreHooks): RegistryStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      const hook = hooks[property as keyof RegistryStore] as ((...args: unknown[]) => unknown) | undefined;
      if (typeof value !== "function" || hook === undefined)
        return typeof value === "function" ? value.bind(target) : value;
      const original = value.bind(target);
      return (...args: unknown[]) => hook(original, ...args);
    },
  });
}

/** A document client whose `send` runs `onSend` first (which may throw to simulate a fault). */
export function hookClient(
  client: DynamoDBDocumentClient,
  onSend: (command: {
    constructor: { name: string };
    input: Record<string, unknown>;
  }) => void | Promise<void>,
): DynamoDBDocumentClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== "send" || typeof value !== "function") return value;
      return async (
        command: { constructor: { name: string }; input: Record<string, unknown> },
        ...rest: unknown[]
      ) => {
        await onSend(command);
        return value.call(target, command, ...rest);
      };
    },
  });
}

/** A promise with its resolve function outside: lets a test hold one operation until another is done. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

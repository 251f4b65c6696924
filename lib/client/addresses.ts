/**
 * The NameServer addresses a client is given, checked when it is constructed: this library speaks the
 * registry's HTTP API, so each address is an http(s):// URL. A `host:port` (what RocketMQ's own
 * clients take, the remoting protocol) is refused at once with what to do, instead of failing later
 * on every request.
 */

/** An address the client cannot use; thrown by the constructors of the clients and the agent. */
export class NameServerAddressError extends Error {
  constructor(
    /** The address as given. */
    readonly address: string,
    message: string,
  ) {
    super(message);
    this.name = "NameServerAddressError";
  }
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s/:[\]]+):(\d{1,5})$/;

/** One base URL, checked; returned without trailing slashes. */
export function checkNameServerUrl(address: string, option = "nameServers"): string {
  const text = typeof address === "string" ? address.trim() : "";
  if (HOST_PORT.test(text)) {
    throw new NameServerAddressError(
      String(address),
      `${option}: "${address}" is host:port, RocketMQ's remoting protocol: this client speaks HTTP: give an http(s):// URL (e.g. http://${text.replace(/:\d+$/, ":9877")}), or use namesrv gateway to serve RocketMQ's protocol in front of the registry`,
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new NameServerAddressError(
      String(address),
      `${option}: "${address}" is not a URL: give the registry's http(s):// URL, e.g. http://127.0.0.1:9877`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new NameServerAddressError(
      String(address),
      `${option}: "${address}" is not an http(s):// URL: this client speaks the registry's HTTP API`,
    );
  }
  return text.replace(/\/+$/, "");
}

/** A non-empty list of base URLs, each checked. */
export function checkNameServerUrls(addresses: readonly string[], option = "nameServers"): string[] {
  if (!Array.isArray(addresses) || addresses.length === 0) {
    throw new NameServerAddressError("", `${option}: at least one NameServer URL is needed`);
  }
  return addresses.map((address, index) => checkNameServerUrl(address, `${option}[${index}]`));
}

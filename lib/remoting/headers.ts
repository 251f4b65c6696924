/**
 * Reading a request's custom header from `extFields`, as `RemotingCommand#decodeCommandCustomHeader`
 * does: every value is a string, parsed by the field's Java type. A missing `@CFNotNull` field or a
 * value its type cannot parse is refused with `HeaderError`, which the server answers with
 * SYSTEM_ERROR and RocketMQ's own wording (`the custom field <topic> is null`).
 */

export class HeaderError extends Error {}

type Fields = Readonly<Record<string, string>>;

export function requiredString(ext: Fields, name: string): string {
  const value = ext[name];
  if (value === undefined) throw new HeaderError(`the custom field <${name}> is null`);
  return value;
}

export function optionalString(ext: Fields, name: string): string | undefined {
  const value = ext[name];
  return value === undefined || value === "" ? undefined : value;
}

/** `Long.parseLong`: an optional sign and decimal digits, within the safe-integer range here. */
export function optionalLong(ext: Fields, name: string): number | undefined {
  const value = ext[name];
  if (value === undefined) return undefined;
  if (!/^[-+]?\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new HeaderError(`the custom field <${name}> is not a Long: "${value.slice(0, 64)}"`);
  }
  return Number(value);
}

export function requiredLong(ext: Fields, name: string): number {
  const value = optionalLong(ext, name);
  if (value === undefined) throw new HeaderError(`the custom field <${name}> is null`);
  return value;
}

/** `Integer.parseInt`. */
export function optionalInt(ext: Fields, name: string): number | undefined {
  const value = ext[name];
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^[-+]?\d{1,10}$/.test(value) || number < -(2 ** 31) || number >= 2 ** 31) {
    throw new HeaderError(`the custom field <${name}> is not an Integer: "${value.slice(0, 64)}"`);
  }
  return number;
}

/** `Boolean.parseBoolean`: "true" in any case is true, anything else false. */
export function optionalBoolean(ext: Fields, name: string): boolean | undefined {
  const value = ext[name];
  if (value === undefined) return undefined;
  return value.toLowerCase() === "true";
}

/**
 * The registry's typed errors. Each carries its API.md code and HTTP status; `lib/http` is the one
 * place that turns them into responses. Anything that is not a NameServerError is a bug and maps to
 * a 500 whose details never leave the server.
 */
export interface ErrorDetail {
  /** Path of the offending field, e.g. `topicConfigTable.TopicTest.perm` or `query.zone`. */
  field: string;
  message: string;
}

export abstract class NameServerError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly details?: ErrorDetail[];
  /** Extra response headers (e.g. Retry-After). */
  readonly headers?: Record<string, string>;

  constructor(message: string, details?: ErrorDetail[]) {
    super(message);
    this.name = new.target.name;
    if (details !== undefined) this.details = details;
  }
}

export class InvalidRequestError extends NameServerError {
  readonly status = 400;
  readonly code = "INVALID_REQUEST";
}

export class UnauthorizedError extends NameServerError {
  readonly status = 401;
  readonly code = "UNAUTHORIZED";
}

export class TopicNotExistError extends NameServerError {
  readonly status = 404;
  readonly code = "TOPIC_NOT_EXIST";
  constructor(readonly topic: string) {
    super(`No topic route info in name server for the topic: ${topic}`);
  }
}

export class QueryNotFoundError extends NameServerError {
  readonly status = 404;
  readonly code = "QUERY_NOT_FOUND";
  constructor(namespace: string, key?: string) {
    super(
      key === undefined
        ? `No config item, Namespace: ${namespace}`
        : `No config item, Namespace: ${namespace} Key: ${key}`,
    );
  }
}

export class NotFoundError extends NameServerError {
  readonly status = 404;
  readonly code = "NOT_FOUND";
}

export class MethodNotAllowedError extends NameServerError {
  readonly status = 405;
  readonly code = "METHOD_NOT_ALLOWED";
  override readonly headers: Record<string, string>;
  constructor(method: string, path: string, allowed: string[]) {
    super(`Method ${method} is not allowed on ${path}; allowed: ${allowed.join(", ")}`);
    this.headers = { Allow: allowed.join(", ") };
  }
}

/**
 * A request the NameServer's settings switch off (enableAllTopicList / enableTopicList false): RocketMQ
 * answers SYSTEM_ERROR with the remark "disable".
 */
export class DisabledError extends NameServerError {
  readonly status = 403;
  readonly code = "DISABLED";
  constructor(setting: string) {
    super(`disable: ${setting} is false (GET /config shows it, PUT /config changes it)`);
  }
}

export class FullRegistrationRequiredError extends NameServerError {
  readonly status = 409;
  readonly code = "FULL_REGISTRATION_REQUIRED";
}

export class PayloadTooLargeError extends NameServerError {
  readonly status = 413;
  readonly code = "PAYLOAD_TOO_LARGE";
}

export class UnsupportedMediaTypeError extends NameServerError {
  readonly status = 415;
  readonly code = "UNSUPPORTED_MEDIA_TYPE";
}

/** The table cannot be reached or is throttling: the caller should retry after a while. */
export class ServiceUnavailableError extends NameServerError {
  readonly status = 503;
  readonly code = "SERVICE_UNAVAILABLE";
  override readonly headers: Record<string, string>;
  constructor(
    message = "The registry's table cannot be reached right now; retry later",
    retryAfterSeconds = 1,
  ) {
    super(message);
    this.headers = { "Retry-After": String(retryAfterSeconds) };
  }
}

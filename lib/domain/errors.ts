/**
 * The registry's typed domain errors: what a use case refuses and why, each with its API.md code.
 * They know nothing of HTTP: `lib/http/errors.ts` is the one place that gives them a status and
 * headers (and holds the errors only HTTP has: 401, 404 of a path, 405, 413, 415). Anything that is
 * not a NameServerError is a bug and maps to a 500 whose details never leave the server.
 */
export interface ErrorDetail {
  /** Path of the offending field, e.g. `topicConfigTable.TopicTest.perm` or `query.zone`. */
  field: string;
  message: string;
}

export abstract class NameServerError extends Error {
  /** API.md's error code (`INVALID_REQUEST`, `TOPIC_NOT_EXIST`, …). */
  abstract readonly code: string;
  readonly details?: ErrorDetail[];

  constructor(message: string, details?: ErrorDetail[]) {
    super(message);
    this.name = new.target.name;
    if (details !== undefined) this.details = details;
  }
}

export class InvalidRequestError extends NameServerError {
  readonly code = "INVALID_REQUEST";
}

export class TopicNotExistError extends NameServerError {
  readonly code = "TOPIC_NOT_EXIST";
  constructor(readonly topic: string) {
    super(`No topic route info in name server for the topic: ${topic}`);
  }
}

export class QueryNotFoundError extends NameServerError {
  readonly code = "QUERY_NOT_FOUND";
  constructor(namespace: string, key?: string) {
    super(
      key === undefined
        ? `No config item, Namespace: ${namespace}`
        : `No config item, Namespace: ${namespace} Key: ${key}`,
    );
  }
}

/**
 * A request the NameServer's settings switch off (enableAllTopicList / enableTopicList false): RocketMQ
 * answers SYSTEM_ERROR with the remark "disable".
 */
export class DisabledError extends NameServerError {
  readonly code = "DISABLED";
  constructor(setting: string) {
    super(`disable: ${setting} is false (GET /config shows it, PUT /config changes it)`);
  }
}

export class FullRegistrationRequiredError extends NameServerError {
  readonly code = "FULL_REGISTRATION_REQUIRED";
}

/** The table cannot be reached or is throttling: the caller should retry after a while. */
export class ServiceUnavailableError extends NameServerError {
  readonly code = "SERVICE_UNAVAILABLE";
  constructor(
    message = "The registry's table cannot be reached right now; retry later",
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }
}

/**
 * HTTP's side of errors (Powertools keeps them with its HTTP layer): the errors only HTTP has, and
 * the one mapping from any NameServerError to a status and headers. `responses.ts#errorResponse`
 * builds the response from it.
 */
import {
  DisabledError,
  FullRegistrationRequiredError,
  InvalidRequestError,
  NameServerError,
  QueryNotFoundError,
  ServiceUnavailableError,
  TopicNotExistError,
} from "../domain/errors";

export { NameServerError };

export class UnauthorizedError extends NameServerError {
  readonly code = "UNAUTHORIZED";
}

/** No route matches the path. */
export class NotFoundError extends NameServerError {
  readonly code = "NOT_FOUND";
}

export class MethodNotAllowedError extends NameServerError {
  readonly code = "METHOD_NOT_ALLOWED";
  readonly allowed: string[];
  constructor(method: string, path: string, allowed: string[]) {
    super(`Method ${method} is not allowed on ${path}; allowed: ${allowed.join(", ")}`);
    this.allowed = allowed;
  }
}

export class PayloadTooLargeError extends NameServerError {
  readonly code = "PAYLOAD_TOO_LARGE";
}

export class UnsupportedMediaTypeError extends NameServerError {
  readonly code = "UNSUPPORTED_MEDIA_TYPE";
}

/** Each error class's status, the API.md table. */
const STATUS: ReadonlyArray<[abstract new (...args: never[]) => NameServerError, number]> = [
  [InvalidRequestError, 400],
  [UnauthorizedError, 401],
  [DisabledError, 403],
  [TopicNotExistError, 404],
  [QueryNotFoundError, 404],
  [NotFoundError, 404],
  [MethodNotAllowedError, 405],
  [FullRegistrationRequiredError, 409],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
  [ServiceUnavailableError, 503],
];

/** The HTTP status of a NameServerError; one the table does not know is a bug: 500. */
export function statusOf(error: NameServerError): number {
  for (const [type, status] of STATUS) if (error instanceof type) return status;
  return 500;
}

/** The extra response headers an error asks for: `Allow` on 405, `Retry-After` on 503. */
export function headersOf(error: NameServerError): Record<string, string> {
  if (error instanceof MethodNotAllowedError) return { Allow: error.allowed.join(", ") };
  if (error instanceof ServiceUnavailableError) return { "Retry-After": String(error.retryAfterSeconds) };
  return {};
}

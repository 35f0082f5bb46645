// Every error code the service answers, with its HTTP status: the one place a code string is written (a factory in rules.ts or http.ts builds each).
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

/** The catalogue as data: a new code is a row here and one factory beside its siblings. */
export const errorStatus = {
  InvalidInput: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  // Concurrency: another request won; the client reads again and retries.
  ConcurrentChange: 409,
  TokenChanged: 409,
  AlreadyStarted: 409,
  // Organisations and subscriptions.
  LastSubscriptionManager: 409,
  MemberExists: 409,
  InvitationExists: 409,
  SubscriptionCancelled: 409,
  AdministratorIsSubscriptionManager: 409,
  SelfRemoval: 409,
  // Applications.
  ImplicitOwner: 409,
  TooManyOwners: 409,
  LastApplicationOwner: 409,
  // iTwins, teams and iModels.
  LastTeamManager: 409,
  AlreadyTeamMember: 409,
  NotOrganizationMember: 409,
  NotTeamMember: 409,
  TooManyTeams: 409,
  RoleInUse: 409,
  LastParticipant: 409,
  TestItwinTeam: 409,
  TestItwinAccess: 409,
  AccessListWithoutManager: 409,
  NotYourBriefcase: 409,
  LockHeldByAnotherBriefcase: 409,
  TooManyLocks: 409,
  // Synchronization.
  RunInProgress: 409,
  AlreadyOwner: 409,
  NewOwnerNotTeamMember: 409,
  NewOwnerNeverInteracted: 409,
  TooManyFiles: 409,
  BodyTooLarge: 413,
  UnsupportedMediaType: 415,
  // An Idempotency-Key sent again with another request (another body, path or operation).
  IdempotencyKeyReused: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
} as const satisfies Record<string, ErrorStatus>;

/** Every code the service answers. */
export type ErrorCode = keyof typeof errorStatus;

/** The one error type of the service: a code, its HTTP status and a message a user can act on. */
export class AppError extends Error {
  readonly status: ErrorStatus;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
    this.status = errorStatus[code];
  }
}

/** The one guard: is `error` an AppError (of `code`, when given)? Codes are never compared as strings elsewhere. */
export function isAppError<C extends ErrorCode>(error: unknown, code?: C): error is AppError & { code: C } {
  return error instanceof AppError && (code === undefined || error.code === code);
}

// The error catalogue: the AppError type, every code with its status, one guard and one factory per code.
export { AppError, errorStatus, isAppError, type ErrorCode, type ErrorStatus } from "./catalogue";
export * from "./http";
export * from "./rules";

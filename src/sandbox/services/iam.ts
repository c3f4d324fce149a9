/**
 * The IAM helpers tests outside test/sandbox import by this path (the service itself is services/iam/).
 */
export { ADMINISTRATOR_ACCESS_ARN, CREDENTIAL_REPORT_COLUMNS, CREDENTIAL_REPORT_MAX_AGE_MS, createAccessKey, createRole, createUser, trustPolicyFor } from './iam/index.js';

/** The environment variable that names the approver routes' base URL (stack output `ApprovalApiUrl`). */
export const APPROVALS_URL_VARIABLE = 'JIT_APPROVALS_URL';

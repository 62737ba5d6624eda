import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { APPROVAL_DENIED_ERROR, EXTENSION_REFUSED_ERROR, GRANT_ALREADY_LIVE_ERROR, RETRYABLE_ERRORS } from '../handlers/core/errors';
import { MAX_TOTAL_GRANT_MINUTES } from '../handlers/core/grant-extension';
import { STS_MAX_CHAINED_DURATION_SECONDS } from '../handlers/core/grant-window';
import { STATE } from './state-names';

/** The Lambda functions the workflow's tasks call, one per step. */
export interface ElevationFunctions {
  readonly register: lambda.IFunction;
  readonly requestApproval: lambda.IFunction;
  readonly mint: lambda.IFunction;
  readonly reset: lambda.IFunction;
  readonly notify: lambda.IFunction;
  readonly audit: lambda.IFunction;
}

export interface ElevationWorkflowProps {
  readonly functions: ElevationFunctions;
  /** How long a request waits for an approver; the AwaitApproval task times out after it. */
  readonly approvalWindow: Duration;
  /**
   * The longest the audit waits for CloudTrail after the credentials stop working (`audit.maxLagMinutes`).
   * The audit function itself decides when to poll and when to stop, from the broker settings; this only
   * sizes the execution timeout.
   */
  readonly auditMaxLag: Duration;
  /**
   * Upper bound for the whole execution; past it the execution fails visibly instead of hanging.
   * @default approval window + 60 min grant + audit max lag + 2 h
   */
  readonly timeout?: Duration;
  /**
   * Retention of the state machine's execution log.
   * @default one year
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Fixed state machine name, so that target accounts' deny-always ceilings can name it.
   * @default a generated name
   */
  readonly stateMachineName?: string;
}

/** The Fail state a failure tail ends in: its state name, and the error and cause the execution fails with. */
interface FailureEnd {
  readonly state: string;
  readonly error: string;
  readonly cause: string;
}

/**
 * The longest a grant's execution waits for it, in minutes: one set is at most a chained role session
 * (one hour, STS's cap), and a grant with its extensions lasts at most `MAX_TOTAL_GRANT_MINUTES`.
 */
const LONGEST_GRANT_MINUTES = Math.max(STS_MAX_CHAINED_DURATION_SECONDS / 60, MAX_TOTAL_GRANT_MINUTES);

/** Room in the execution timeout for retries, waits between steps and the audit's polls. */
const EXECUTION_MARGIN_MINUTES = 120;

/** Throttling and transient faults, retried with exponential backoff and full jitter on every task. */
const RETRY_TRANSIENT: sfn.RetryProps = {
  errors: [...RETRYABLE_ERRORS, 'Lambda.TooManyRequestsException'],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 6,
  maxDelay: Duration.seconds(60),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * A function that died (timed out, ran out of memory, crashed): Lambda reports `Lambda.Unknown`, with no
 * telling how far the function got. Every step the workflow invokes with `invoke` is safe to run again
 * (docs/reliability.md), so it is retried like a transient fault. The approval request is not: a second run
 * would mail the approvers again.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
 */
const RETRY_DIED: sfn.RetryProps = {
  errors: ['Lambda.Unknown'],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 3,
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * The elevation lifecycle (docs/architecture.md) as a Standard state machine in JSONPath mode:
 *
 * Register → AwaitApproval (.waitForTaskToken) → Mint → NotifyGranted → PlanNotice → IsNoticeDue →
 * (WaitUntilNotice → NotifyExpiring →) WaitUntilExpiry → Reset →
 * NotifyEnded → PlanAudit → WaitForTrail → CollectTrail ⟲ (IsAuditDone → WaitForLateEvents) → NotifyAudited.
 *
 * The audit polls in the state machine, not in one Lambda: CloudTrail's lag may outlast a function's
 * 15 minutes. CollectTrail reads the trail once per call and returns a small state (counts and a digest,
 * never the events); the Wait states wait until the `nextPollAt` it names, a minute apart, until the trail
 * has settled or the maximum lag has passed, and then CollectTrail writes the report.
 *
 * Every other way out — invalid request, denial, approval timeout, a failed step — goes through a
 * Notify task that records the outcome and publishes its broker event before the execution ends, so
 * no request ends in silence. A failed mint first makes sure the secret holds no part of it, publishes
 * the failure, and then audits whatever credentials the failed attempts had issued.
 */
export class ElevationWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ElevationWorkflowProps) {
    super(scope, id);
    const fns = props.functions;

    const invoke = (
      name: string,
      fn: lambda.IFunction,
      payload: Record<string, unknown> | undefined,
      resultPath: string | typeof sfn.JsonPath.DISCARD | undefined,
    ) => {
      const task = new tasks.LambdaInvoke(this, name, {
        stateName: name,
        lambdaFunction: fn,
        // Without a payload template the function receives the whole state input.
        payload: payload ? sfn.TaskInput.fromObject(payload) : undefined,
        // The function's return value is the task result, not the Invoke API envelope.
        payloadResponseOnly: true,
        resultPath,
      });
      task.addRetry(RETRY_TRANSIENT);
      task.addRetry(RETRY_DIED);
      return task;
    };
    const notify = (name: string, outcome: string, extra: Record<string, unknown>) =>
      invoke(name, fns.notify, { outcome, ...extra }, sfn.JsonPath.DISCARD);
    /** A Notify task that records and publishes an outcome, followed by the Fail state the execution ends in. */
    const failureTail = (notifyState: string, outcome: string, payload: Record<string, unknown>, fail: FailureEnd) =>
      notify(notifyState, outcome, payload).next(new sfn.Fail(this, fail.state, { stateName: fail.state, error: fail.error, cause: fail.cause }));
    const at = (path: string) => sfn.JsonPath.objectAt(path);
    const text = (path: string) => sfn.JsonPath.stringAt(path);

    // Failure tails: record and publish the outcome, then fail. A failed mint has a longer way out, below.
    const rejected = failureTail(STATE.notifyRejected, 'Rejected', { event: at('$'), error: at('$.error') }, {
      state: STATE.rejected,
      error: 'Rejected',
      cause: 'The request failed validation.',
    });
    const registerFailed = failureTail(STATE.notifyRegisterFailed, 'Failed', { stage: 'register', event: at('$'), error: at('$.error') }, {
      state: STATE.registerFailed,
      error: 'RegisterFailed',
      cause: 'The request could not be registered.',
    });
    const denied = failureTail(STATE.notifyDenied, 'Denied', { request: at('$.request'), error: at('$.error') }, {
      state: STATE.denied,
      error: 'Denied',
      cause: 'An approver denied the request.',
    });
    const expired = failureTail(STATE.notifyApprovalExpired, 'Approval Expired', { request: at('$.request') }, {
      state: STATE.approvalExpired,
      error: 'ApprovalExpired',
      cause: 'Nobody decided within the approval window.',
    });
    const approvalFailed = failureTail(STATE.notifyApprovalFailed, 'Failed', { stage: 'approval', request: at('$.request'), error: at('$.error') }, {
      state: STATE.approvalFailed,
      error: 'ApprovalFailed',
      cause: 'The approval could not be requested.',
    });
    // A live grant of the same agent and account, found by Register (before any email) or by Mint's
    // conditional lease write (the authority): nothing minted, the secret untouched.
    const refused = failureTail(STATE.notifyRefused, 'Refused', { request: at('$.request'), error: at('$.refusal') }, {
      state: STATE.grantAlreadyLive,
      error: 'GrantAlreadyLive',
      cause: 'A grant is live for the same agent and account.',
    });
    // Over a per-agent limit (config `limits`), found by Register's conditional write: nobody emailed.
    const rateLimited = failureTail(STATE.notifyRateLimited, 'Refused', { request: at('$.request'), error: at('$.refusal') }, {
      state: STATE.rateLimited,
      error: 'RateLimited',
      cause: "The agent's request limit is reached.",
    });
    const mintFailed = new sfn.Fail(this, STATE.mintFailed, { stateName: STATE.mintFailed, error: 'MintFailed', cause: 'No grant was delivered.' });
    const notifyMintFailed = notify(STATE.notifyMintFailed, 'Failed', {
      stage: 'mint',
      request: at('$.request'),
      decision: at('$.decision'),
      error: at('$.error'),
    });
    const ensurePlaceholder = invoke(
      STATE.ensurePlaceholder,
      fns.reset,
      { mode: 'mint-failed', requestId: text('$.request.requestId'), accountId: text('$.request.accountId'), secretName: text('$.request.secretName') },
      '$.cleanup',
    );
    // Even if the clean-up itself fails, the failure is still published.
    ensurePlaceholder.addCatch(notifyMintFailed, { errors: [sfn.Errors.ALL], resultPath: '$.cleanupError' });
    ensurePlaceholder.next(notifyMintFailed);
    // Reached from the grant's audit and from a failed mint's, so it names only what both have.
    const auditFailed = failureTail(STATE.notifyAuditFailed, 'Failed', { stage: 'audit', request: at('$.request'), error: at('$.error') }, {
      state: STATE.auditFailed,
      error: 'AuditFailed',
      cause: 'The audit report could not be written.',
    });

    const duplicateRefused = failureTail(STATE.notifyDuplicateRefused, 'Duplicate Refused', { refused: at('$.refused') }, {
      state: STATE.duplicateRefused,
      error: 'DuplicateRefused',
      cause: 'The request id belongs to a different request.',
    });

    // Happy path.
    // Register receives the EventBridge event exactly as the rule delivered it, and the execution's id:
    // a retried Register that finds the request stored by this same execution carries on with it.
    // Its result replaces the state (no ResultPath, which means "$").
    // @see https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html
    const register = invoke(STATE.register, fns.register, { event: at('$'), executionId: text('$$.Execution.Id') }, undefined);
    register.addCatch(rejected, { errors: ['InvalidRequestError'], resultPath: '$.error' });
    register.addCatch(registerFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    const awaitApproval = new tasks.LambdaInvoke(this, STATE.awaitApproval, {
      stateName: STATE.awaitApproval,
      lambdaFunction: fns.requestApproval,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({ taskToken: sfn.JsonPath.taskToken, request: at('$.request') }),
      taskTimeout: sfn.Timeout.duration(props.approvalWindow),
      resultPath: '$.decision',
    });
    awaitApproval.addRetry(RETRY_TRANSIENT);
    awaitApproval.addCatch(expired, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.error' });
    awaitApproval.addCatch(denied, { errors: [APPROVAL_DENIED_ERROR], resultPath: '$.error' });
    awaitApproval.addCatch(approvalFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    const mint = invoke(STATE.mint, fns.mint, { request: at('$.request'), decision: at('$.decision') }, '$.grant');
    // Catchers are tried in order: the refusal first, before the catch-all that cleans up a failed mint.
    mint.addCatch(refused, { errors: [GRANT_ALREADY_LIVE_ERROR], resultPath: '$.refusal' });
    mint.addCatch(ensurePlaceholder, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    // The audit loop, shared by a delivered grant and a failed mint that had issued credentials.
    const planAudit = invoke(STATE.planAudit, fns.audit, { mode: 'plan', requestId: text('$.request.requestId'), grant: at('$.grant') }, '$.audit');
    planAudit.addCatch(auditFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const waitForTrail = new sfn.Wait(this, STATE.waitForTrail, {
      stateName: STATE.waitForTrail,
      comment: 'CloudTrail delivery lag after the last moment the credentials could be used',
      time: sfn.WaitTime.timestampPath('$.audit.nextPollAt'),
    });
    const collectTrail = invoke(
      STATE.collectTrail,
      fns.audit,
      { mode: 'poll', request: at('$.request'), decision: at('$.decision'), audit: at('$.audit') },
      '$.audit',
    );
    collectTrail.addCatch(auditFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const waitForLateEvents = new sfn.Wait(this, STATE.waitForLateEvents, {
      stateName: STATE.waitForLateEvents,
      comment: 'A minute between polls, until CloudTrail settles or the maximum lag passes',
      time: sfn.WaitTime.timestampPath('$.audit.nextPollAt'),
    });
    const notifyAudited = notify(STATE.notifyAudited, 'Audited', { request: at('$.request'), grant: at('$.grant'), report: at('$.audit.report') }).next(
      new sfn.Succeed(this, STATE.audited, { stateName: STATE.audited }),
    );
    const notifyMintAudited = notify(STATE.notifyMintAudited, 'Audited', {
      stage: 'mint',
      request: at('$.request'),
      decision: at('$.decision'),
      report: at('$.audit.report'),
    }).next(mintFailed);
    waitForTrail.next(collectTrail).next(
      new sfn.Choice(this, STATE.isAuditDone, { stateName: STATE.isAuditDone })
        .when(sfn.Condition.and(sfn.Condition.booleanEquals('$.audit.done', true), sfn.Condition.isPresent('$.grant')), notifyAudited)
        .when(sfn.Condition.booleanEquals('$.audit.done', true), notifyMintAudited)
        .otherwise(waitForLateEvents.next(collectTrail)),
    );
    planAudit.next(waitForTrail);

    // After a failed mint: publish the failure at once, then audit what the failed attempts issued, if anything.
    const planMintAudit = invoke(STATE.planMintFailedAudit, fns.audit, { mode: 'plan', requestId: text('$.request.requestId') }, '$.audit');
    planMintAudit.addCatch(auditFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    notifyMintFailed.next(planMintAudit).next(
      new sfn.Choice(this, STATE.wereCredentialsIssued, { stateName: STATE.wereCredentialsIssued })
        .when(sfn.Condition.booleanEquals('$.audit.done', false), waitForTrail)
        .otherwise(mintFailed),
    );

    const reset = invoke(
      STATE.reset,
      fns.reset,
      {
        mode: 'expired',
        requestId: text('$.request.requestId'),
        accountId: text('$.request.accountId'),
        grantId: text('$.grant.grantId'),
        secretName: text('$.grant.secretName'),
      },
      '$.reset',
    );
    // A failed reset is published as a failure; the safety-net schedule still resets, and the audit still runs.
    reset.addCatch(
      notify(STATE.notifyResetFailed, 'Failed', { stage: 'reset', request: at('$.request'), grant: at('$.grant'), error: at('$.error') }).next(
        planAudit,
      ),
      { errors: [sfn.Errors.ALL], resultPath: '$.error' },
    );

    // The live grant's end: when the reset finds a newer set of this request in the secret, an extension
    // delivered it (the extension's own execution, below); this execution follows it — waits until its
    // expiry and resets it — so one execution resets the grant and writes one report covering every set.
    const waitUntilExpiry = new sfn.Wait(this, STATE.waitUntilExpiry, { stateName: STATE.waitUntilExpiry, time: sfn.WaitTime.timestampPath('$.grant.expiresAt') });

    // The notice before expiry, for every set the execution waits on (the first, and each one it takes over
    // from an extension). A courtesy: both tasks catch everything into the wait for the expiry, so the reset
    // never depends on a notice. `$.notice.at` is whole seconds in UTC with an uppercase T and Z, the form a
    // Wait state's timestamp takes.
    // @see https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html
    const planNotice = invoke(STATE.planNotice, fns.notify, { mode: 'plan-notice', grant: at('$.grant') }, '$.notice');
    planNotice.addCatch(waitUntilExpiry, { errors: [sfn.Errors.ALL], resultPath: '$.noticeError' });
    const notifyExpiring = invoke(
      STATE.notifyExpiring,
      fns.notify,
      { mode: 'expiring', request: at('$.request'), grantId: text('$.notice.grantId') },
      sfn.JsonPath.DISCARD,
    );
    notifyExpiring.addCatch(waitUntilExpiry, { errors: [sfn.Errors.ALL], resultPath: '$.noticeError' });
    notifyExpiring.next(waitUntilExpiry);
    planNotice.next(
      new sfn.Choice(this, STATE.isNoticeDue, { stateName: STATE.isNoticeDue })
        .when(
          sfn.Condition.booleanEquals('$.notice.due', true),
          new sfn.Wait(this, STATE.waitUntilNotice, { stateName: STATE.waitUntilNotice, time: sfn.WaitTime.timestampPath('$.notice.at') }).next(notifyExpiring),
        )
        .otherwise(waitUntilExpiry),
    );
    const notifyEnded = notify(STATE.notifyEnded, 'Ended', { request: at('$.request'), grant: at('$.grant'), resetOutcome: text('$.reset.outcome') });
    notifyEnded.next(planAudit);
    const followExtension = invoke(STATE.followExtension, fns.mint, { mode: 'follow', request: at('$.request'), grant: at('$.grant') }, '$.followed');
    // Following is best effort: the extension's own safety-net schedule resets its set at its fence anyway.
    followExtension.addCatch(notifyEnded, { errors: [sfn.Errors.ALL], resultPath: '$.followError' });
    followExtension.next(
      new sfn.Choice(this, STATE.isExtended, { stateName: STATE.isExtended })
        .when(
          sfn.Condition.booleanEquals('$.followed.extended', true),
          new sfn.Pass(this, STATE.takeExtension, { stateName: STATE.takeExtension, inputPath: '$.followed.grant', resultPath: '$.grant' }).next(planNotice),
        )
        .otherwise(notifyEnded),
    );
    waitUntilExpiry.next(reset).next(
      new sfn.Choice(this, STATE.wasSuperseded, { stateName: STATE.wasSuperseded })
        .when(sfn.Condition.stringEquals('$.reset.outcome', 'not-current'), followExtension)
        .otherwise(notifyEnded),
    );

    // An extension of a live grant: approved like a request, then its set is minted into the live grant's
    // secret and the execution ends. Denied, expired or refused, it ends without touching the live grant.
    const awaitExtensionApproval = new tasks.LambdaInvoke(this, STATE.awaitExtensionApproval, {
      stateName: STATE.awaitExtensionApproval,
      lambdaFunction: fns.requestApproval,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({ taskToken: sfn.JsonPath.taskToken, request: at('$.request') }),
      taskTimeout: sfn.Timeout.duration(props.approvalWindow),
      resultPath: '$.decision',
    });
    awaitExtensionApproval.addRetry(RETRY_TRANSIENT);
    awaitExtensionApproval.addCatch(expired, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.error' });
    awaitExtensionApproval.addCatch(denied, { errors: [APPROVAL_DENIED_ERROR], resultPath: '$.error' });
    awaitExtensionApproval.addCatch(approvalFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const mintExtension = invoke(STATE.mintExtension, fns.mint, { mode: 'extend', request: at('$.request'), decision: at('$.decision') }, '$.grant');
    mintExtension.addCatch(
      failureTail(STATE.notifyExtensionRefused, 'Refused', { request: at('$.request'), error: at('$.refusal') }, {
        state: STATE.extensionRefused,
        error: 'ExtensionRefused',
        cause: 'The grant was no longer live, or the extension passed a bound; the live grant is untouched.',
      }),
      { errors: [EXTENSION_REFUSED_ERROR], resultPath: '$.refusal' },
    );
    mintExtension.addCatch(
      failureTail(STATE.notifyExtensionFailed, 'Failed', { stage: 'extend', request: at('$.request'), error: at('$.error') }, {
        state: STATE.extensionFailed,
        error: 'ExtensionFailed',
        cause: 'The extension could not be minted; the live grant is untouched.',
      }),
      { errors: [sfn.Errors.ALL], resultPath: '$.error' },
    );
    const extension = awaitExtensionApproval
      .next(mintExtension)
      .next(notify(STATE.notifyExtended, 'Extended', { request: at('$.request'), decision: at('$.decision'), grant: at('$.grant') }))
      .next(new sfn.Succeed(this, STATE.extended, { stateName: STATE.extended, comment: "The new set is in the live grant's secret; the live grant's execution resets it." }));

    const definition = register.next(
      new sfn.Choice(this, STATE.isDuplicate, { stateName: STATE.isDuplicate })
        .when(
          sfn.Condition.stringEquals('$.status', 'duplicate'),
          new sfn.Succeed(this, STATE.duplicateIgnored, { stateName: STATE.duplicateIgnored, comment: 'A redelivered request; the first delivery is being served.' }),
        )
        .when(sfn.Condition.stringEquals('$.status', 'refused'), refused)
        .when(sfn.Condition.stringEquals('$.status', 'rate-limited'), rateLimited)
        .when(sfn.Condition.stringEquals('$.status', 'conflict'), duplicateRefused)
        .when(sfn.Condition.stringEquals('$.status', 'extension'), extension)
        .otherwise(
          awaitApproval
            .next(mint)
            .next(notify(STATE.notifyGranted, 'Granted', { request: at('$.request'), decision: at('$.decision'), grant: at('$.grant') }))
            .next(planNotice),
        ),
    );

    this.logGroup = new logs.LogGroup(this, 'ExecutionLog', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout:
        props.timeout ??
        Duration.minutes(props.approvalWindow.toMinutes() + LONGEST_GRANT_MINUTES + props.auditMaxLag.toMinutes() + EXECUTION_MARGIN_MINUTES),
      tracingEnabled: true,
      // Execution data holds task tokens; the log records state transitions and errors only.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'Just-in-time elevation: register, approve, mint, reset at expiry, audit.',
    });
  }
}

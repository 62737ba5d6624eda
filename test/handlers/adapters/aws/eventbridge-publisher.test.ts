import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgePublisher } from '../../../../handlers/adapters/aws/eventbridge-publisher';

const client = mockClient(EventBridgeClient);
const publisher = new EventBridgePublisher(new EventBridgeClient({}), 'jit-broker');

describe('EventBridgePublisher', () => {
  beforeEach(() => client.reset());

  it('publishes on the broker bus with source jit.broker, the outcome as detail-type and the status it moves the request to', async () => {
    client.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    await publisher.publish({ outcome: 'Approval Expired', detail: { requestId: 'req-00000001' } });
    expect(client).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [{ EventBusName: 'jit-broker', Source: 'jit.broker', DetailType: 'Elevation Approval Expired', Detail: '{"requestId":"req-00000001","status":"APPROVAL_EXPIRED"}' }],
    });
  });

  it('fails when EventBridge accepted the call but not the entry', async () => {
    client.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try later' }] });
    await expect(publisher.publish({ outcome: 'Granted', detail: {} })).rejects.toThrow(
      'EventBridge did not accept the Elevation Granted event: InternalFailure try later',
    );
  });
});

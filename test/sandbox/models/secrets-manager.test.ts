import { SecretsManagerModel, inMemorySecretsStore } from '../../../sandbox/models/secrets-manager';

const NAME = 'agent/elevated/222222222222';
const GRANT_1 = '11111111-1111-4111-8111-111111111111';
const GRANT_2 = '22222222-2222-4222-8222-222222222222';

function newModel() {
  const model = new SecretsManagerModel(inMemorySecretsStore(), () => new Date('2026-11-28T10:00:00Z'));
  const created = model.create({ name: NAME, account: '111111111111', region: 'eu-west-1', initialValue: 'placeholder' });
  const initial = Object.keys(created.versions)[0];
  return { model, initial };
}

describe('Secrets Manager model', () => {
  // @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html
  it('gives a new secret one AWSCURRENT version and an ARN ending in six random characters', () => {
    const { model, initial } = newModel();

    expect(model.find(NAME).arn).toMatch(/^arn:aws:secretsmanager:eu-west-1:111111111111:secret:agent\/elevated\/222222222222-[A-Za-z0-9]{6}$/);
    expect(model.versionIdsToStages(NAME)).toEqual({ [initial]: ['AWSCURRENT'] });
    expect(model.find(model.find(NAME).arn.slice(0, -7)).name).toBe(NAME);
  });

  // @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
  it('moves AWSCURRENT to a new version and leaves AWSPREVIOUS on the one it left', () => {
    const { model, initial } = newModel();

    model.putSecretValue(NAME, { value: 'grant 1', clientRequestToken: GRANT_1 });
    model.putSecretValue(NAME, { value: 'grant 2', clientRequestToken: GRANT_2 });

    expect(model.versionIdsToStages(NAME)).toEqual({ [GRANT_1]: ['AWSPREVIOUS'], [GRANT_2]: ['AWSCURRENT'] });
    expect(model.listSecretVersionIds(NAME, true).map((v) => v.versionId)).toEqual([initial, GRANT_1, GRANT_2]);
    expect(model.getSecretValue(NAME, { versionStage: 'AWSPREVIOUS' }).value).toBe('grant 1');
  });

  // @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
  it('ignores a repeated ClientRequestToken with the same value and refuses it with another', () => {
    const { model } = newModel();
    model.putSecretValue(NAME, { value: 'grant 1', clientRequestToken: GRANT_1 });

    expect(model.putSecretValue(NAME, { value: 'grant 1', clientRequestToken: GRANT_1 })).toMatchObject({ versionId: GRANT_1, stages: ['AWSCURRENT'] });
    expect(() => model.putSecretValue(NAME, { value: 'other', clientRequestToken: GRANT_1 })).toThrow(expect.objectContaining({ code: 'ResourceExistsException' }));
    expect(() => model.putSecretValue(NAME, { value: 'x', clientRequestToken: 'short' })).toThrow(expect.objectContaining({ code: 'ValidationException' }));
    expect(model.listSecretVersionIds(NAME, true)).toHaveLength(2);
  });

  // @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html
  it('moves a label held elsewhere only when RemoveFromVersionId names its holder, and changes nothing otherwise', () => {
    const { model, initial } = newModel();
    model.putSecretValue(NAME, { value: 'grant 1', clientRequestToken: GRANT_1 });
    model.putSecretValue(NAME, { value: 'grant 2', clientRequestToken: GRANT_2 });

    expect(() => model.updateSecretVersionStage(NAME, { stage: 'AWSCURRENT', moveToVersionId: initial, removeFromVersionId: GRANT_1 })).toThrow(
      expect.objectContaining({ code: 'InvalidParameterException' }),
    );
    expect(model.getSecretValue(NAME, {}).versionId).toBe(GRANT_2);

    model.updateSecretVersionStage(NAME, { stage: 'AWSCURRENT', moveToVersionId: initial, removeFromVersionId: GRANT_2 });
    expect(model.versionIdsToStages(NAME)).toEqual({ [initial]: ['AWSCURRENT'], [GRANT_2]: ['AWSPREVIOUS'] });
  });

  // @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
  it('answers ResourceNotFoundException for an unknown secret, version or label', () => {
    const { model } = newModel();

    expect(() => model.find('agent/elevated/333333333333')).toThrow(expect.objectContaining({ code: 'ResourceNotFoundException' }));
    expect(() => model.getSecretValue(NAME, { versionStage: 'AWSPENDING' })).toThrow(expect.objectContaining({ code: 'ResourceNotFoundException' }));
    expect(() => model.updateSecretVersionStage(NAME, { stage: 'AWSCURRENT', moveToVersionId: GRANT_1 })).toThrow(expect.objectContaining({ code: 'ResourceNotFoundException' }));
  });
});

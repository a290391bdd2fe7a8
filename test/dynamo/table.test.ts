import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { useDynamo } from '../support/dynamo';

describe('local table (dynalite through the real SDK client)', () => {
  const db = useDynamo();

  it('rejects a conditional put on an existing key', async () => {
    const { table } = db();
    const put = () =>
      table.doc.send(
        new PutCommand({ TableName: table.name, Item: { pk: 'X', sk: '1', v: 1 }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    await put();
    await expect(put()).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    const got = await table.doc.send(new GetCommand({ TableName: table.name, Key: { pk: 'X', sk: '1' } }));
    expect(got.Item?.v).toBe(1);
  });
});

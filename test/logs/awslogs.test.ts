import { gunzipSync, gzipSync } from 'node:zlib';
import { AwsLogsDecodeError, controlMessage, dataEvents, dataMessage, decodeAwsLogs, encodeAwsLogs, type AwsLogsPayload } from '../../shared/logs/awslogs';
import { SAMPLE_LINES } from './fixtures/sample';

/** A delivery exactly as CloudWatch Logs makes it: 56-digit ids, base64 of the gzipped JSON. */
const cloudWatchPayload: AwsLogsPayload = {
  messageType: 'DATA_MESSAGE',
  owner: '123456789012',
  logGroup: '/aws/bedrock/modelinvocations',
  logStream: 'aws/bedrock/modelinvocations',
  subscriptionFilters: ['bedrock-watch-dev-IngestSubscriptionFilter-AbCdEf'],
  logEvents: [
    { id: '38217417306410493040227145839283925036548416282153369600', timestamp: 1_791_158_428_802, message: SAMPLE_LINES[0]! },
    { id: '38217417306410493040227145839283925036548416282153369601', timestamp: 1_791_158_448_323, message: SAMPLE_LINES[1]! },
  ],
};
const byHand = { awslogs: { data: gzipSync(JSON.stringify(cloudWatchPayload)).toString('base64') } };

describe('CloudWatch Logs subscription events', () => {
  it('decodes a delivery built the way CloudWatch Logs builds it', () => {
    const p = decodeAwsLogs(byHand);
    expect(p).toEqual(cloudWatchPayload);
    expect(dataEvents(p).map((e) => JSON.parse(e.message).requestId)).toEqual(['b-00000001', 'b-00000003']);
  });

  it('encodes like CloudWatch Logs: base64 of gzipped JSON that plain zlib reads back', () => {
    const ev = encodeAwsLogs(cloudWatchPayload);
    expect(Object.keys(ev)).toEqual(['awslogs']);
    expect(ev.awslogs.data).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(JSON.parse(gunzipSync(Buffer.from(ev.awslogs.data, 'base64')).toString('utf8'))).toEqual(cloudWatchPayload);
    expect(decodeAwsLogs(ev)).toEqual(cloudWatchPayload);
  });

  it('builds data messages with CloudWatch-shaped, distinct ids', () => {
    const p = dataMessage(
      SAMPLE_LINES.slice(0, 3).map((message, i) => ({ timestamp: 1_791_158_400_000 + i, message })),
      { firstSequence: 10 },
    );
    expect(p.messageType).toBe('DATA_MESSAGE');
    expect(p.logEvents.map((e) => e.id)).toEqual(expect.arrayContaining([expect.stringMatching(/^\d{56}$/)]));
    expect(new Set(p.logEvents.map((e) => e.id)).size).toBe(3);
    expect(decodeAwsLogs(encodeAwsLogs(p))).toEqual(p);
  });

  it('gives a CONTROL_MESSAGE no records', () => {
    const p = decodeAwsLogs(encodeAwsLogs(controlMessage(1_791_158_400_000)));
    expect(p.messageType).toBe('CONTROL_MESSAGE');
    expect(p.logEvents).toHaveLength(1);
    expect(dataEvents(p)).toEqual([]);
  });

  it('accepts a payload without optional fields and keeps policyLevel', () => {
    const p = decodeAwsLogs({
      awslogs: { data: gzipSync(JSON.stringify({ messageType: 'DATA_MESSAGE', policyLevel: 'ACCOUNT_LEVEL_POLICY', logEvents: [] })).toString('base64') },
    });
    expect(p).toEqual({ messageType: 'DATA_MESSAGE', owner: '', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [], policyLevel: 'ACCOUNT_LEVEL_POLICY' });
  });

  describe('rejects what is not a valid delivery with a clear error', () => {
    const b64 = (buf: Buffer) => ({ awslogs: { data: buf.toString('base64') } });
    it.each<[string, unknown, RegExp]>([
      ['no awslogs', { Records: [] }, /not a CloudWatch Logs subscription event/],
      ['data not a string', { awslogs: { data: 42 } }, /not a CloudWatch Logs subscription event/],
      ['null event', null, /not a CloudWatch Logs subscription event/],
      ['empty data', { awslogs: { data: '' } }, /not base64/],
      ['data not base64', { awslogs: { data: 'H4sI%%%not*base64' } }, /not base64/],
      ['base64 of plain text', b64(Buffer.from('{"messageType":"DATA_MESSAGE"}')), /not gzip/],
      ['gzip of non-JSON', b64(gzipSync('hello')), /does not hold JSON/],
      ['truncated gzip', b64(gzipSync(JSON.stringify(cloudWatchPayload)).subarray(0, 40)), /not gzip/],
      ['JSON that is not an object', b64(gzipSync('[1,2]')), /not a JSON object/],
      ['unknown messageType', b64(gzipSync(JSON.stringify({ ...cloudWatchPayload, messageType: 'OTHER' }))), /messageType/],
      ['logEvents not an array', b64(gzipSync(JSON.stringify({ ...cloudWatchPayload, logEvents: {} }))), /logEvents is not an array/],
    ])('%s', (_name, event, message) => {
      expect(() => decodeAwsLogs(event)).toThrow(AwsLogsDecodeError);
      expect(() => decodeAwsLogs(event)).toThrow(message);
    });
  });
});

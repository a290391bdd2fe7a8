/**
 * shared/ack/slack.ts on its own (pure): which interaction payloads are a press of our button,
 * what is read from them, and the message that replaces the original.
 */
import { ACK_ACTION_ID, acknowledgedMessage, ephemeral, parseSlackInteraction, type SlackAckAction } from '../../shared/ack/slack';

const VALUE = 'ack:k-signed';
const button = (value: unknown = VALUE) => ({ type: 'actions', block_id: ACK_ACTION_ID, elements: [{ type: 'button', action_id: ACK_ACTION_ID, value }] });
const SECTION = { type: 'section', text: { type: 'mrkdwn', text: 'Server errors' } };

function payload(over: Record<string, unknown> = {}) {
  return {
    type: 'block_actions',
    user: { id: 'U0ANA', username: 'ana', name: 'Ana', team_id: 'T0USER' },
    api_app_id: 'A0APP',
    team: { id: 'T0TEAM' },
    channel: { id: 'C0CHAN' },
    container: { channel_id: 'C0CONT' },
    message: { text: 'alert text', blocks: [SECTION, button()] },
    response_url: 'https://hooks.slack.com/actions/x',
    actions: [{ action_id: ACK_ACTION_ID, value: VALUE }],
    ...over,
  };
}
const form = (p: unknown) => new URLSearchParams({ payload: typeof p === 'string' ? p : JSON.stringify(p) }).toString();
const parse = (over: Record<string, unknown> = {}) => parseSlackInteraction(form(payload(over)));

describe('parseSlackInteraction', () => {
  it('a press of our button: everything the handler needs', () => {
    expect(ACK_ACTION_ID).toBe('bedrock-watch-ack');
    expect(parse()).toEqual({
      value: VALUE,
      key: 'k-signed',
      messageButton: VALUE,
      user: 'ana',
      userId: 'U0ANA',
      teamId: 'T0TEAM',
      appId: 'A0APP',
      channelId: 'C0CHAN',
      responseUrl: 'https://hooks.slack.com/actions/x',
      blocks: [SECTION, button()],
      text: 'alert text',
    });
  });

  it('our action among others is found by its action_id', () => {
    expect(parse({ actions: [null, { action_id: 'other', value: 'ack:zzz' }, { action_id: ACK_ACTION_ID, value: VALUE }] })?.key).toBe('k-signed');
  });

  it('the older button formats are still read (their key without the prefix)', () => {
    expect(parse({ actions: [{ action_id: ACK_ACTION_ID, value: `group:g${'0'.repeat(20)}@5` }] })?.key).toBe(`g${'0'.repeat(20)}@5`);
  });

  it('the handle shown in logs: username, else name, else the id', () => {
    expect(parse({ user: { id: 'U1', name: 'Bo' } })?.user).toBe('Bo');
    expect(parse({ user: { id: 'U1', username: '', name: 'Bo' } })?.user).toBe('Bo');
    expect(parse({ user: { id: 'U1', username: 5, name: '' } })?.user).toBe('U1');
  });

  it('team, app and channel fall back to the user and container fields, else empty', () => {
    const p = parse({ team: undefined, channel: undefined });
    expect(p).toMatchObject({ teamId: 'T0USER', channelId: 'C0CONT' });
    const bare = parse({ team: { id: 3 }, channel: { id: null }, container: {}, api_app_id: 9, user: { id: 'U0ANA' } });
    expect(bare).toMatchObject({ teamId: '', appId: '', channelId: '' });
    expect(parse({ team: { id: '' }, channel: { id: '' } })).toMatchObject({ teamId: 'T0USER', channelId: 'C0CONT' });
    // Neither channel nor container (nor team): empty, not a crash.
    expect(parse({ team: undefined, channel: undefined, container: undefined, user: { id: 'U0ANA' } })).toMatchObject({ teamId: '', channelId: '' });
  });

  it('the button on the message: the block with our block_id, its element with our action_id', () => {
    // Another actions block with a button of the same action_id does not count: only ours.
    const foreign = { type: 'actions', block_id: 'other', elements: [{ action_id: ACK_ACTION_ID, value: 'ack:other' }] };
    expect(parse({ message: { blocks: [foreign, SECTION] } })?.messageButton).toBeNull();
    expect(parse({ message: { blocks: [foreign, button('ack:mine')] } })?.messageButton).toBe('ack:mine');
    // Our block with another element first.
    const mixed = { block_id: ACK_ACTION_ID, elements: [null, { action_id: 'x', value: 'ack:x' }, { action_id: ACK_ACTION_ID, value: 'ack:mine' }] };
    expect(parse({ message: { blocks: [null, mixed] } })?.messageButton).toBe('ack:mine');
    expect(parse({ message: { blocks: [button(7)] } })?.messageButton).toBeNull();
    expect(parse({ message: { blocks: [{ block_id: ACK_ACTION_ID }] } })?.messageButton).toBeNull();
  });

  it('no message blocks or text: empty', () => {
    expect(parse({ message: undefined })).toMatchObject({ blocks: [], text: '', messageButton: null });
    expect(parse({ message: { blocks: 'x', text: 5 } })).toMatchObject({ blocks: [], text: '' });
  });

  it('null for anything that is not a press of our button', () => {
    const cases: [string, string][] = [
      ['no payload', 'foo=bar'],
      ['empty payload', 'payload='],
      ['not JSON', form('{nope')],
      ['JSON null', form('null')],
      ['another type', form(payload({ type: 'view_submission' }))],
      ['no actions', form(payload({ actions: undefined }))],
      ['actions not a list', form(payload({ actions: { action_id: ACK_ACTION_ID, value: VALUE } }))],
      ['another action', form(payload({ actions: [{ action_id: 'other', value: VALUE }] }))],
      ['value not a string', form(payload({ actions: [{ action_id: ACK_ACTION_ID, value: 5 }] }))],
      ['value no key format', form(payload({ actions: [{ action_id: ACK_ACTION_ID, value: 'hello' }] }))],
      ['no user', form(payload({ user: undefined }))],
      ['user id not a string', form(payload({ user: { id: 5, username: 'ana' } }))],
      ['empty user id', form(payload({ user: { id: '', username: 'ana' } }))],
      ['no response_url', form(payload({ response_url: undefined }))],
      ['response_url not a string', form(payload({ response_url: 7 }))],
    ];
    for (const [why, body] of cases) expect([why, parseSlackInteraction(body)]).toEqual([why, null]);
  });
});

describe('acknowledgedMessage', () => {
  const action = (over: Partial<SlackAckAction> = {}): SlackAckAction => ({ ...parse()!, ...over });
  const AT = Date.parse('2026-10-05T16:00:00.500Z');

  it('the button block goes; a note says who, how and when (seconds for Slack, ISO as fallback)', () => {
    const m = acknowledgedMessage(action(), { ackedBy: 'U0ANA', ackedAt: AT, via: 'slack', episode: 1 });
    expect(m).toEqual({
      replace_original: true,
      text: 'alert text',
      blocks: [SECTION, { type: 'context', elements: [{ type: 'mrkdwn', text: `:raised_hand: Acknowledged by <@U0ANA> via Slack <!date^${Math.floor(AT / 1000)}^{date_short_pretty} {time}|2026-10-05T16:00:00.500Z>` }] }],
    });
  });

  it('a Slack id is a mention; a name from PagerDuty or the CLI is text without Slack markup', () => {
    const who = (ackedBy: string, via: 'slack' | 'pagerduty' | 'cli') => (acknowledgedMessage(action(), { ackedBy, ackedAt: AT, via, episode: 1 }).blocks.at(-1) as { elements: { text: string }[] }).elements[0].text.split(' <!date')[0];
    expect(who('W0ABC', 'slack')).toBe(':raised_hand: Acknowledged by <@W0ABC> via Slack');
    expect(who('U0ANA', 'pagerduty')).toBe(':raised_hand: Acknowledged by U0ANA via PagerDuty');
    expect(who('<!channel> & co', 'cli')).toBe(':raised_hand: Acknowledged by !channel  co via the CLI');
    // Not an id shape: lower case, too short, too long, other prefix, trailing text.
    for (const name of ['u0ana', 'U0', `U${'A'.repeat(21)}`, 'X0ANA', 'U0ANA x', 'xU0ANA']) expect(who(name, 'slack')).toBe(`:raised_hand: Acknowledged by ${name} via Slack`);
    expect(who(`U${'A'.repeat(20)}`, 'slack')).toBe(`:raised_hand: Acknowledged by <@U${'A'.repeat(20)}> via Slack`);
    expect(who('U0<b>', 'slack')).toBe(':raised_hand: Acknowledged by U0b via Slack');
  });

  it('without message text a fallback; at most 50 blocks (Slack\'s limit: the first 50 are kept)', () => {
    expect(acknowledgedMessage(action({ text: '' }), { ackedBy: 'x', ackedAt: AT, via: 'cli', episode: 1 }).text).toBe('Alert acknowledged');
    const many = Array.from({ length: 60 }, (_, i) => ({ type: 'section', block_id: `b${i}` }));
    const m = acknowledgedMessage(action({ blocks: [...many, button()] }), { ackedBy: 'x', ackedAt: AT, via: 'cli', episode: 1 });
    expect(m.blocks).toHaveLength(50);
    expect(m.blocks[0]).toEqual(many[0]);
    expect(m.blocks.some((b) => (b as { type: string }).type === 'context')).toBe(false);
    // Non-object blocks pass through the filter.
    expect(acknowledgedMessage(action({ blocks: [null, SECTION] }), { ackedBy: 'x', ackedAt: AT, via: 'cli', episode: 1 }).blocks).toHaveLength(3);
  });

  it('ephemeral: a reply only the presser sees', () => {
    expect(ephemeral('hi')).toEqual({ response_type: 'ephemeral', replace_original: false, text: 'hi' });
  });
});

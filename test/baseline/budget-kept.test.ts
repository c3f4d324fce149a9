import { BudgetsClient, CreateBudgetCommand, DescribeBudgetCommand, type Budget } from '@aws-sdk/client-budgets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type TestWorld } from '../helpers/sandbox.js';

/**
 * UpdateBudget replaces the whole budget (AWS and the sandbox alike): what lz does not manage must go back
 * as it was read when lz changes a budget's limit, or it is gone.
 */
describe('a budget lz changes keeps what someone else set on it', () => {
  let w: TestWorld;
  let client: BudgetsClient;
  let account: string;

  /** The start of the month `ahead` months from now, UTC, in epoch seconds: a PlannedBudgetLimits key. */
  const month = (ahead: number) => {
    const now = new Date();
    return String(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + ahead, 1) / 1000);
  };
  /** A year of limits planned by someone: 50 this month, then rising by 10 a month. */
  const planned = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [month(i), { Amount: String(50 + 10 * i), Unit: 'USD' }]));
  const filter = { Dimensions: { Key: 'SERVICE' as const, Values: ['Amazon Elastic Compute Cloud - Compute'] } };
  const autoAdjust = { AutoAdjustType: 'HISTORICAL' as const, HistoricalOptions: { BudgetAdjustmentPeriod: 6 } };
  const end = new Date('2030-01-01T00:00:00Z');
  const costTypes = { IncludeTax: false, IncludeSupport: false, IncludeCredit: false };

  const manifest = `
organization:
  management: General
accounts:
  - name: General
    email: aws+general@example.com
    budgets:
      - { name: planned, amount: 75, alerts: [ { at: 80 } ], notify: [finops@example.com] }
      - { name: filtered, amount: 300, alerts: [ { at: 100, type: FORECASTED } ], notify: [finops@example.com] }
`;

  const describeBudget = async (name: string): Promise<Budget> => (await client.send(new DescribeBudgetCommand({ AccountId: account, BudgetName: name }))).Budget!;

  beforeAll(async () => {
    w = await startWorld({ management: { name: 'General', email: 'aws+general@example.com' } });
    account = w.sandbox.managementAccountId;
    client = new BudgetsClient({ region: 'us-east-1', endpoint: w.sandbox.endpoint, credentials: w.sandbox.managementCredentials, maxAttempts: 1 });
    // Made in the console by someone else before lz was told about them.
    await client.send(
      new CreateBudgetCommand({
        AccountId: account,
        Budget: { BudgetName: 'planned', BudgetType: 'COST', TimeUnit: 'MONTHLY', PlannedBudgetLimits: planned, CostFilters: { Region: ['eu-west-1'] }, CostTypes: costTypes },
      }),
    );
    await client.send(
      new CreateBudgetCommand({
        AccountId: account,
        Budget: {
          BudgetName: 'filtered',
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: { Amount: '200', Unit: 'USD' },
          FilterExpression: filter,
          Metrics: ['AmortizedCost'],
          AutoAdjustData: autoAdjust,
          TimePeriod: { End: end },
        },
      }),
    );
    w.writeManifest(manifest);
  });
  afterAll(async () => {
    client.destroy();
    await w.close();
  });

  it('plans only the limit and the alerts', async () => {
    const plan = await w.lz('plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.out).toContain('~ amount: 50 -> 75');
    expect(plan.out).toContain('~ amount: 200 -> 300');
    expect(plan.out).not.toMatch(/Planned|FilterExpression|AutoAdjust|Metrics|CostFilters/);
  });

  it('changes the limit and the alerts; planned limits, filters, metrics, auto-adjustment and the end stay', async () => {
    const applied = await w.lz('apply', '--auto-approve');
    expect(applied.code, applied.out + applied.err).toBe(0);

    const p = await describeBudget('planned');
    // This month's planned limit is the file's; the months planned ahead keep theirs.
    expect(p.PlannedBudgetLimits).toEqual({ ...planned, [month(0)]: { Amount: '75', Unit: 'USD' } });
    expect(p.BudgetLimit).toEqual({ Amount: '75', Unit: 'USD' });
    expect(p.CostFilters).toEqual({ Region: ['eu-west-1'] });
    expect(p.CostTypes).toMatchObject(costTypes);

    const f = await describeBudget('filtered');
    expect(f.BudgetLimit).toEqual({ Amount: '300', Unit: 'USD' });
    expect(f.FilterExpression).toEqual(filter);
    expect(f.Metrics).toEqual(['AmortizedCost']);
    expect(f.AutoAdjustData).toEqual(autoAdjust);
    expect(f.TimePeriod?.End).toEqual(end);
    // Not the other filter set: AWS refuses both in one budget.
    expect(f.CostTypes).toBeUndefined();
    expect(f.CostFilters).toBeUndefined();

    expect((await w.lz('plan', '--detailed-exitcode')).code).toBe(0);
  });
});

import { Stack, Tag, Tooltip } from '@grafana/ui';

import { Plan, TimeSource, Understood } from '../types';
import { planRangeLabel, timeSourceLabel } from './format';

interface Props {
  plan: Plan;
  understood: Understood[];
  timeSource: TimeSource;
}

/** The understood time range and entities of a question, as chips. */
export function PlanChips({ plan, understood, timeSource }: Props) {
  const range = planRangeLabel(plan);
  return (
    <div role="group" aria-label="What the question was understood to mean">
      <Stack direction="row" wrap="wrap" gap={0.5}>
        {range && (
          <Tooltip content={`Time range ${timeSourceLabel(timeSource)}`}>
            <span>
              <Tag name={`${range} · ${timeSourceLabel(timeSource)}`} icon="clock-nine" colorIndex={9} />
            </span>
          </Tooltip>
        )}
        {understood
          .filter((u) => u.what !== 'time')
          .map((u, i) => (
            <Tooltip key={`${u.what}-${i}`} content={`"${u.text}" → ${u.meaning}`}>
              <span>
                <Tag name={`${u.what}: ${u.meaning}`} colorIndex={colorOf(u.what)} />
              </span>
            </Tooltip>
          ))}
        {plan.limit !== undefined && <Tag name={`limit: ${plan.limit}`} colorIndex={4} />}
        {plan.step && <Tag name={`step: ${plan.step}`} colorIndex={4} />}
      </Stack>
    </div>
  );
}

function colorOf(what: string): number {
  switch (what) {
    case 'service':
      return 1;
    case 'level':
      return 2;
    case 'filter':
    case 'field':
      return 3;
    case 'intent':
      return 5;
    default:
      return 6;
  }
}

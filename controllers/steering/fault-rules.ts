// Keeps FaultRule status.phase true as time passes: a rule with expiresAt turns Expired then (the
// fault hook stops applying it at that moment whatever its status says; this makes kubectl say so).
import { refOf, type Registry } from '../../api/registry.js';
import { faultRules } from '../../api/steering-resources.js';
import { faultRulePhase, faultSpecOf, type FaultRuleStatus } from '../../api/kinds/faultrule.js';
import { statusOf } from '../../api/kinds/steering-common.js';
import { StatusError } from '../../store/status-error.js';
import type { Clock } from '../clock.js';
import type { Reconciler } from '../runtime.js';

const RULES = refOf(faultRules);

/** One key per FaultRule name; requeues at its expiresAt. */
export function faultRuleController(registry: Registry, clock: Clock): Reconciler {
  return {
    name: 'fault-rule',
    watches: [{ def: faultRules, keys: (obj) => [obj.metadata.name!] }],
    initialKeys: () => registry.store.list(RULES).map((r) => r.metadata.name!),
    async reconcile(name) {
      const rule = registry.store.get(RULES, undefined, name);
      if (!rule) return;
      const spec = faultSpecOf(rule);
      const status = statusOf(rule) as FaultRuleStatus;
      const now = clock.now();
      const phase = faultRulePhase(spec, status.applied ?? 0, now);
      if (status.phase !== phase) {
        try {
          await registry.patch(faultRules, undefined, name, (current) => {
            if (current.metadata.uid !== rule.metadata.uid) throw new StatusError(409, 'Conflict', 'replaced');
            const latest = statusOf(current) as FaultRuleStatus;
            current.status = { ...latest, phase: faultRulePhase(faultSpecOf(current), latest.applied ?? 0, now) };
            return current;
          }, { subresource: 'status' });
        } catch (err) {
          if (err instanceof StatusError && (err.code === 404 || err.code === 409)) return { requeueAfterMs: 0 };
          throw err;
        }
      }
      const expires = spec.expiresAt ? Date.parse(spec.expiresAt) : Number.NaN;
      if (phase === 'Active' && !Number.isNaN(expires)) return { requeueAfterMs: Math.max(0, expires - now.getTime()) };
    },
  };
}

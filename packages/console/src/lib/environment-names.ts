/** The environments every project has (issue 7), in the order the console lists them. */
export const STANDARD_ENVIRONMENTS = ['production', 'staging', 'development'] as const;

/** A team → project → environment tree, as far as names go. */
export type EnvironmentTree = ReadonlyArray<{ projects: ReadonlyArray<{ environments: ReadonlyArray<{ name: string }> }> }>;

/**
 * Every environment name in `teams` plus `extra` (names already in use, e.g. by a route, that
 * no visible project has), without repeats: the standard three first, in their usual order
 * (always offered: every project has them), then the others alphabetically.
 */
export function environmentNamesOf(teams: EnvironmentTree, extra: readonly string[] = []): string[] {
  const names = new Set<string>(extra);
  for (const team of teams) for (const project of team.projects) for (const environment of project.environments) names.add(environment.name);
  const others = [...names].filter((name) => !(STANDARD_ENVIRONMENTS as readonly string[]).includes(name)).sort();
  return [...STANDARD_ENVIRONMENTS, ...others];
}

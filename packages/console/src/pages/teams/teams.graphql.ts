import { gql } from '@urql/core';

/** An environment of a project (production, staging, development, or one named by an admin). */
export interface EnvironmentNode {
  id: string;
  name: string;
}

/** A project with its environments. */
export interface ProjectNode {
  id: string;
  name: string;
  environments: EnvironmentNode[];
}

/** A team with its projects: the tree keys are placed in (organisation → team → project → environment). */
export interface TeamNode {
  id: string;
  name: string;
  projects: ProjectNode[];
}

/** Teams (by name) with their projects and environments. */
export const TeamTreeQuery = gql<{ teams: TeamNode[] }, Record<string, never>>`
  query TeamTree {
    teams {
      id
      name
      projects {
        id
        name
        environments {
          id
          name
        }
      }
    }
  }
`;

export const CreateTeamMutation = gql<{ createTeam: { id: string; name: string } }, { input: { name: string } }>`
  mutation CreateTeam($input: CreateTeamInput!) {
    createTeam(input: $input) {
      id
      name
    }
  }
`;

/** A new project; the server gives it production, staging and development. */
export const CreateProjectMutation = gql<{ createProject: { id: string; name: string } }, { input: { teamId: string; name: string } }>`
  mutation CreateProject($input: CreateProjectInput!) {
    createProject(input: $input) {
      id
      name
    }
  }
`;

export const CreateEnvironmentMutation = gql<{ createEnvironment: { id: string; name: string } }, { input: { projectId: string; name: string } }>`
  mutation CreateEnvironment($input: CreateEnvironmentInput!) {
    createEnvironment(input: $input) {
      id
      name
    }
  }
`;

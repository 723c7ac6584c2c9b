/** The systems this project deploys, each with its chart and the Secrets it reads. */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../lib/config';
import { SecretSpec } from '../lib/secrets';
import { BookSyncChart, booksyncSecrets } from './booksync';
import { MnemoLiteChart, mnemoliteSecrets } from './mnemolite';

export interface SystemDefinition {
  /** Folder name under dist/<env>/ and chart id. */
  readonly name: string;
  readonly chart: (scope: Construct, config: EnvironmentConfig) => Chart;
  readonly secrets: (config: EnvironmentConfig) => SecretSpec[];
}

export const SYSTEMS: SystemDefinition[] = [
  { name: 'booksync', chart: (scope, config) => new BookSyncChart(scope, 'booksync', config), secrets: booksyncSecrets },
  { name: 'mnemolite', chart: (scope, config) => new MnemoLiteChart(scope, 'mnemolite', config), secrets: mnemoliteSecrets },
];

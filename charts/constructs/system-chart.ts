/**
 * The chart of one system: its namespace, identity and the cluster's context, which its
 * constructs read with SystemChart.of(this) instead of having them passed by hand.
 */
import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { ClusterConfig } from './cluster-config';
import { SystemIdentity } from './workload-identity';

export interface SystemChartProps {
  readonly system: SystemIdentity;
  readonly namespace: string;
  readonly cluster: ClusterConfig;
}

export class SystemChart extends Chart {
  /** The SystemChart a construct belongs to. */
  public static of(construct: IConstruct): SystemChart {
    const chart = Chart.of(construct);
    // Not instanceof: cdk8s' Chart answers it true for every chart.
    if (!('system' in chart && 'cluster' in chart)) throw new Error(`${construct.node.path} is not inside a SystemChart`);
    return chart as SystemChart;
  }

  public readonly system: SystemIdentity;
  public readonly cluster: ClusterConfig;

  constructor(scope: Construct, id: string, props: SystemChartProps) {
    super(scope, id, { namespace: props.namespace, disableResourceNameHashes: true });
    this.system = props.system;
    this.cluster = props.cluster;
  }
}

/** Metadata type of a construct's message to the user ("pg_cron is off"), printed by synth. */
export const NOTICE = 'notice';

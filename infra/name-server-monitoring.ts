/**
 * The NameServer's alarms (all to its alarm topic) and its CloudWatch dashboard.
 */
import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as logs from "aws-cdk-lib/aws-logs";
import { MetricName } from "../lib/metric-names";
import { tableDefinition } from "../lib/store/table-definition";
import type { NameServer } from "./name-server";
import { METRICS_NAMESPACE, type NamesrvFunction } from "./namesrv-function";

/**
 * Operator signals (README "Security"): Lambda throttles, refused and failed writes, and a
 * self-preservation that lasts. Refused writes (403 from the IAM authorizer) never reach a function,
 * so they are counted from the API's access log; 409 FULL_REGISTRATION_REQUIRED is part of the
 * heartbeat protocol and not counted.
 */
export function createOperatorAlarms(ns: NameServer): cloudwatch.Alarm[] {
  const alarms: cloudwatch.Alarm[] = [];
  const fiveMinutes = Duration.minutes(5);
  const sumOver5 = { period: fiveMinutes, statistic: cloudwatch.Stats.SUM };

  // Throttles of every function, at most 10 metrics per alarm expression.
  const functions: [string, NamesrvFunction][] = [
    ...ns.distinctRouteFunctions(),
    ["DefaultRoute", ns.defaultRouteFunction],
    ["Sweeper", ns.sweeper],
  ];
  for (let start = 0, n = 1; start < functions.length; start += 10, n++) {
    const group = functions.slice(start, start + 10);
    const usingMetrics = Object.fromEntries(
      group.map(([, fn], i) => [`t${i}`, fn.function.metricThrottles(sumOver5)]),
    );
    alarms.push(
      new cloudwatch.Alarm(ns, `LambdaThrottles${n}Alarm`, {
        alarmDescription: `Lambda throttled ${group.map(([id]) => id).join(", ")}: reserved or account concurrency ran out (a throttled heartbeat or sweep is a 503 or a missed sweep).`,
        metric: new cloudwatch.MathExpression({
          expression: Object.keys(usingMetrics)
            .map((name) => `FILL(${name}, 0)`)
            .join(" + "),
          usingMetrics,
          period: fiveMinutes,
          label: "Throttles",
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  // A self-preservation lasting 5 minutes: every sweep of 5 consecutive minutes in the mode.
  alarms.push(
    new cloudwatch.Alarm(ns, "SelfPreservationAlarm", {
      alarmDescription:
        "The registry has been in self-preservation for 5 minutes: heartbeats are not arriving (network, throttling, an outage of the brokers' side); dead brokers are kept in routes until it ends.",
      metric: ns.registryMetric(MetricName.SelfPreservation, {
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MINIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
  );

  const accessLogs = ns.node.tryFindChild("AccessLogs") as logs.LogGroup | undefined;
  if (accessLogs === undefined) return alarms;
  const writeRoute = '($.routeKey = "POST *" || $.routeKey = "PUT *" || $.routeKey = "DELETE *")';
  const filters = [
    {
      id: "WriteForbidden",
      pattern: `{ ${writeRoute} && $.status = "403" }`,
      threshold: 5,
      description:
        "Writes refused by IAM (403) at least 5 times in 5 minutes: a broker role writing another group, a misconfigured role, or someone probing the API.",
    },
    {
      id: "WriteClientErrors",
      pattern: `{ ${writeRoute} && $.status = "4*" && $.status != "409" }`,
      threshold: 50,
      description:
        "Writes answered 4xx (409 aside) at least 50 times in 5 minutes: refused credentials, bodies that do not match their path, throttling (429) or a client sending invalid registrations.",
    },
  ];
  for (const filter of filters) {
    const metricFilter = new logs.MetricFilter(ns, `${filter.id}MetricFilter`, {
      logGroup: accessLogs,
      filterPattern: logs.FilterPattern.literal(filter.pattern),
      metricNamespace: METRICS_NAMESPACE,
      metricName: filter.id,
      metricValue: "1",
      // No dimensions: a log metric filter can only take them from fields of the log line.
    });
    alarms.push(
      new cloudwatch.Alarm(ns, `${filter.id}Alarm`, {
        alarmDescription: filter.description,
        metric: metricFilter.metric(sumOver5),
        threshold: filter.threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }
  return alarms;
}

export function tableThrottleEvents(ns: NameServer): cloudwatch.MathExpression {
  const throttleMetric = (metricName: string, index?: string) =>
    new cloudwatch.Metric({
      namespace: "AWS/DynamoDB",
      metricName,
      dimensionsMap: {
        TableName: ns.table.tableName,
        ...(index === undefined ? {} : { GlobalSecondaryIndexName: index }),
      },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
    });
  return new cloudwatch.MathExpression({
    label: "Throttle events (table + gsi1)",
    expression: "FILL(r, 0) + FILL(w, 0) + FILL(ir, 0) + FILL(iw, 0)",
    usingMetrics: {
      r: throttleMetric("ReadThrottleEvents"),
      w: throttleMetric("WriteThrottleEvents"),
      ir: throttleMetric("ReadThrottleEvents", tableDefinition.groupIndex.name),
      iw: throttleMetric("WriteThrottleEvents", tableDefinition.groupIndex.name),
    },
    period: Duration.minutes(5),
  });
}

export function createAlarms(ns: NameServer, sweepsPerRun: number, schedule: Duration): cloudwatch.Alarm[] {
  const alarms: cloudwatch.Alarm[] = [];
  const fiveMinutes = Duration.minutes(5);

  alarms.push(
    new cloudwatch.Alarm(ns, "SweeperErrorsAlarm", {
      alarmDescription:
        "The sweeper failed more than once in 5 minutes: dead brokers may stay in the registry until it recovers (reads still hide them).",
      metric: ns.sweeper.function.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      threshold: 2,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
  );

  // Expected sweeps in 5 minutes; alarm below half of them (or none at all: missing data breaches).
  const expectedSweeps = Math.max(1, Math.floor((sweepsPerRun * 300) / schedule.toSeconds()));
  alarms.push(
    new cloudwatch.Alarm(ns, "SweeperNotRunningAlarm", {
      alarmDescription: `Fewer than ${Math.ceil(expectedSweeps / 2)} sweeps in 5 minutes (expected ${expectedSweeps}): the schedule, the workflow or the sweeper is broken.`,
      metric: ns.registryMetric(MetricName.SweepCount, {
        period: schedule.toSeconds() > 300 ? schedule : fiveMinutes,
      }),
      threshold: Math.ceil(expectedSweeps / 2),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    }),
  );

  alarms.push(
    new cloudwatch.Alarm(ns, "Api5xxAlarm", {
      alarmDescription:
        "The API answered 5xx at least 5 times in 5 minutes: 503 means the table is unreachable or throttling, 500 is a bug.",
      metric: ns.httpApi.metricServerError({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
  );

  alarms.push(
    new cloudwatch.Alarm(ns, "TableThrottlingAlarm", {
      alarmDescription:
        "DynamoDB throttled requests of the registry table or its index (on-demand limits or account quota).",
      metric: tableThrottleEvents(ns),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
  );

  // Handlers map every expected error to an HTTP answer, so a Lambda error is a crash or a timeout.
  const httpFunctions: [string, NamesrvFunction][] = [
    ...ns.distinctRouteFunctions(),
    ["DefaultRoute", ns.defaultRouteFunction],
  ];
  for (const [id, fn] of httpFunctions) {
    alarms.push(
      new cloudwatch.Alarm(ns, `${id}ErrorsAlarm`, {
        alarmDescription: `The ${id} function failed (crash or timeout) in the last 5 minutes.`,
        metric: fn.function.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }
  return alarms;
}

export function createDashboard(ns: NameServer, alarms: cloudwatch.Alarm[]): cloudwatch.Dashboard {
  const oneMinute = Duration.minutes(1);
  const count = (name: string) => ns.registryMetric(name, { period: oneMinute, label: name });
  const allFunctions: [string, NamesrvFunction][] = [
    ...ns.distinctRouteFunctions(),
    ["DefaultRoute", ns.defaultRouteFunction],
    ["Sweeper", ns.sweeper],
  ];
  const perFunction = (pick: (fn: NamesrvFunction) => cloudwatch.Metric, label: string) =>
    allFunctions.map(([id, fn]) => pick(fn).with({ label: `${id} ${label}`, period: oneMinute }));

  const dashboard = new cloudwatch.Dashboard(ns, "Dashboard", {
    defaultInterval: Duration.hours(3),
  });
  dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms, width: 24, height: 4 }));
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: "API requests and errors",
      left: [
        ns.httpApi.metricCount({ period: oneMinute, statistic: cloudwatch.Stats.SUM }),
        ns.httpApi.metricClientError({ period: oneMinute, statistic: cloudwatch.Stats.SUM }),
        ns.httpApi.metricServerError({ period: oneMinute, statistic: cloudwatch.Stats.SUM }),
      ],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: "API latency (ms)",
      left: [
        ns.httpApi.metricLatency({ period: oneMinute, statistic: cloudwatch.Stats.p(50), label: "p50" }),
        ns.httpApi.metricLatency({ period: oneMinute, statistic: cloudwatch.Stats.p(99), label: "p99" }),
        ns.httpApi.metricIntegrationLatency({
          period: oneMinute,
          statistic: cloudwatch.Stats.p(99),
          label: "integration p99",
        }),
      ],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: "Brokers: registrations and heartbeats",
      left: [
        count(MetricName.Registrations),
        count(MetricName.SteadyHeartbeats),
        count(MetricName.LightHeartbeats),
        count(MetricName.FullRegistrationRequired),
      ],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: "Clients: route queries",
      left: [count(MetricName.RouteQueries), count(MetricName.RouteNotFound)],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: "Sweeper",
      left: [count(MetricName.SweepCount), count(MetricName.Evictions)],
      right: [
        ns.registryMetric(MetricName.SelfPreservation, {
          period: oneMinute,
          statistic: cloudwatch.Stats.MAXIMUM,
          label: "SelfPreservation (max)",
        }),
      ],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: "Sweep duration (ms)",
      left: [
        ns.registryMetric(MetricName.SweepDurationMs, {
          period: oneMinute,
          statistic: cloudwatch.Stats.p(99),
          label: "p99",
        }),
        ns.registryMetric(MetricName.SweepDurationMs, {
          period: oneMinute,
          statistic: cloudwatch.Stats.MAXIMUM,
          label: "max",
        }),
      ],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: "Lambda errors",
      left: perFunction((fn) => fn.function.metricErrors({ statistic: cloudwatch.Stats.SUM }), "errors"),
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: "Lambda duration p99 (ms)",
      left: perFunction((fn) => fn.function.metricDuration({ statistic: cloudwatch.Stats.p(99) }), "p99"),
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: "DynamoDB consumed capacity",
      left: [
        ns.table.metricConsumedReadCapacityUnits({ period: oneMinute, statistic: cloudwatch.Stats.SUM }),
        ns.table.metricConsumedWriteCapacityUnits({ period: oneMinute, statistic: cloudwatch.Stats.SUM }),
      ],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: "DynamoDB throttling",
      left: [tableThrottleEvents(ns)],
      width: 12,
    }),
  );
  return dashboard;
}

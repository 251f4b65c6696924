/**
 * AWS list prices the cost estimate uses: the ONE place they live. us-east-1, in USD, as published on
 * the AWS pricing pages when last checked (the date below). They were written
 * down from those pages, not fetched by the bench: check them before quoting a figure, and update the
 * date when you do. Free tiers are ignored (a production account outgrows them).
 */
export const PRICES = {
  region: "us-east-1",
  /** When these figures were last checked against the AWS pricing pages. */
  asOf: "2026-12",
  checkBeforeUse:
    "List prices recalled from the AWS pricing pages as of the date above; not fetched by the bench. Verify at aws.amazon.com/pricing before quoting.",
  /** 730 hours: AWS's own month in its calculators. */
  hoursPerMonth: 730,

  dynamodb: {
    /** On-demand, per million write request units (1 WRU = one write of up to 1 KB; GSI writes count too). */
    writeRequestUnitsPerMillion: 0.625,
    /** On-demand, per million read request units (1 RRU = one strongly consistent read of up to 4 KB; eventual: ½). */
    readRequestUnitsPerMillion: 0.125,
    /** Provisioned capacity, per capacity unit-hour (standard table class). */
    provisionedPerWcuHour: 0.00065,
    provisionedPerRcuHour: 0.00013,
    storagePerGbMonth: 0.25,
  },

  lambda: {
    /** Arm (Graviton), first pricing tier (up to 7.5 billion GB-s a month). */
    armPerGbSecond: 0.0000133334,
    perMillionRequests: 0.2,
  },

  apiGatewayHttpApi: {
    /** Per million requests (each 512 KB or less), first 300 million a month. */
    perMillionRequestsFirst300M: 1.0,
    /** Per million requests above 300 million a month. */
    perMillionRequestsAbove300M: 0.9,
  },

  stepFunctionsExpress: {
    perMillionRequests: 1.0,
    /** Duration, first 1,000 GB-hours a month; billed in 100 ms steps at a minimum of 64 MB. */
    perGbSecond: 0.00001667,
    minimumMemoryGb: 64 / 1024,
    billingStepSeconds: 0.1,
  },

  eventBridge: {
    /**
     * Per million scheduled invocations. A rule's schedule expression is not billed as a custom event;
     * EventBridge Scheduler charges $1.00 per million above its free 14 million. The upper figure is
     * used: at one run a minute it is a few cents either way.
     */
    perMillionScheduledInvocations: 1.0,
  },

  cloudWatchLogs: {
    /** Ingestion (standard log class), per GB. */
    ingestionPerGb: 0.5,
  },

  dataTransfer: {
    /** Data transfer out to the internet, first 10 TB a month, per GB. */
    outPerGb: 0.09,
    /** NAT gateway data processing, per GB (clients in private subnets). */
    natProcessingPerGb: 0.045,
  },

  /** What a user would otherwise run: the classic NameServer on two always-on instances. */
  ec2: {
    instanceType: "m7g.large",
    description:
      "2 vCPU (Graviton3), 8 GiB: room for the NameServer's default 4 GB heap (runserver.sh -Xms4g -Xmx4g)",
    onDemandPerHour: 0.0816,
    /** gp3 EBS per GB-month, and the root volume size assumed per instance. */
    gp3PerGbMonth: 0.08,
    volumeGb: 20,
  },

  /**
   * The managed endpoint's default front (`-c remotingFront=dns`): a Cloud Map private DNS namespace
   * with a name per zone (A records of that zone's tasks). Recalled like the rest, not fetched.
   */
  cloudMap: {
    /** Per registered instance (a task) a month. */
    perInstanceMonth: 0.1,
    /** The namespace is a Route 53 private hosted zone. */
    hostedZonePerMonth: 0.5,
    /**
     * Route 53 standard queries, per million. Whether queries of a private zone from inside the VPC
     * are billed is not certain: counted as billed, an upper bound.
     */
    dnsQueriesPerMillion: 0.4,
  },
  /** The managed endpoint's alternative front (`-c remotingFront=nlb`): a Network Load Balancer (TCP). */
  nlb: {
    perHour: 0.0225,
    perLcuHour: 0.006,
    /** A TCP LCU: 1 GB processed an hour, or 100,000 active flows, or 800 new flows a second. */
    gbPerLcuHour: 1,
    activeFlowsPerLcu: 100_000,
  },
  fargate: {
    /** Linux/Arm, per vCPU-hour and per GB-hour; the gateway task's size. */
    perVcpuHour: 0.03238,
    perGbHour: 0.00356,
    vcpu: 0.25,
    gb: 0.5,
  },
  /**
   * The endpoint's extras (bench/endpoint-cost.ts): a public IPv4 address per task; CloudWatch, per
   * alarm metric (standard resolution) and per custom metric (its 5 metric filters) a month.
   */
  endpoint: {
    publicIpv4PerHour: 0.005,
    alarmMetricPerMonth: 0.1,
    metricFilterPerMonth: 0.3,
    metricFilters: 5,
  },
  /** Data between availability zones, per GB, charged on each side. */
  crossAz: { perGbEachWay: 0.01 },
} as const;

export type Prices = typeof PRICES;

using BenchmarkDotNet.Running;
using Broadcast.Benchmarks;

// `load` runs the loopback load tool, `load-viewers` the real-time viewer load (WebRTC beside plain consumers),
// `load-channels` what a copy-mode channel costs beside nginx-rtmp, `retention-job` the retention job on a real folder,
// `held-requests` blocked LL-HLS playlist requests, `abr-cost` the CPU of each rung of a bitrate ladder,
// `metrics-scrape` what a Prometheus scrape costs with N channels, `webhook-delivery` how fast webhooks reach a receiver, `cluster-db` what appliances cost their shared PostgreSQL; anything else goes to BenchmarkDotNet (e.g. --filter '*Forwarding*').
return args.FirstOrDefault() switch
{
    "load" => LoadTool.Run(args[1..]),
    "load-viewers" => await ViewerLoad.RunAsync(args[1..]),
    "load-channels" => await ChannelCostLoad.RunAsync(args[1..]),
    "retention-job" => await RetentionJobLoad.RunAsync(args[1..]),
    "held-requests" => await HeldRequestsLoad.RunAsync(args[1..]),
    "abr-cost" => await AbrCostLoad.RunAsync(args[1..]),
    "metrics-scrape" => await MetricsScrapeLoad.RunAsync(args[1..]),
    "webhook-delivery" => await WebhookDeliveryLoad.RunAsync(args[1..]),
    "cluster-db" => await ClusterDbLoad.RunAsync(args[1..]),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(LoadTool).Assembly).Run(args);
    return 0;
}

using BenchmarkDotNet.Running;
using Broadcast.Benchmarks;

// `load` runs the loopback load tool; anything else goes to BenchmarkDotNet (e.g. --filter '*Forwarding*').
return args.Length > 0 && args[0] == "load"
    ? LoadTool.Run(args[1..])
    : Run(args);

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(LoadTool).Assembly).Run(args);
    return 0;
}

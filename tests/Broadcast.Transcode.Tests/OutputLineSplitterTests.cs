namespace Broadcast.Transcode.Tests;

public class OutputLineSplitterTests
{
    [Fact]
    public void Chunks_are_cut_at_newlines_and_carriage_returns_and_empty_lines_dropped()
    {
        var lines = new List<string>();
        var splitter = new OutputLineSplitter(line => lines.Add(line.ToString()));

        splitter.Feed("a\nb\r\nc\rd\n\n");

        Assert.Equal(["a", "b", "c", "d"], lines);
    }

    [Fact]
    public void A_line_split_across_chunks_is_joined()
    {
        var lines = new List<string>();
        var splitter = new OutputLineSplitter(line => lines.Add(line.ToString()));

        splitter.Feed("[error] Undef");
        splitter.Feed("ined type (30)\n[err");
        Assert.Equal(["[error] Undefined type (30)"], lines);

        splitter.Feed("or] x");
        splitter.Flush();
        Assert.Equal(["[error] Undefined type (30)", "[error] x"], lines);
    }

    [Fact]
    public void A_line_without_an_end_is_cut_at_the_maximum_length()
    {
        var lines = new List<string>();
        var splitter = new OutputLineSplitter(line => lines.Add(line.ToString()));

        splitter.Feed(new string('x', OutputLineSplitter.MaxLineLength + 10));

        Assert.Single(lines);
        Assert.Equal(OutputLineSplitter.MaxLineLength + 10, lines[0].Length);
        splitter.Flush();
        Assert.Single(lines);
    }
}

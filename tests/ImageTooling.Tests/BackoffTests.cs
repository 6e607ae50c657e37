namespace ImageTooling.Tests;

public class BackoffTests
{
    [Theory]
    [InlineData(1, 500)]
    [InlineData(2, 1000)]
    [InlineData(3, 2000)]
    public void The_wait_doubles_after_each_failed_attempt(int failedAttempts, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Backoff.Delay(TimeSpan.FromMilliseconds(500), failedAttempts));
    }
}

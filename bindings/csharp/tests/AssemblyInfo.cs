// The tests read /dev/shm and /proc/self/maps and spawn Linux helpers.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// The end-to-end tests run the CLI on Linux: real modes, signals, setpriv, tmpfs.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

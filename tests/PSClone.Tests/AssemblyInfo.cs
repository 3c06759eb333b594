// The engine tests build real trees with Linux features (xattrs, FIFOs, hard links, owners).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

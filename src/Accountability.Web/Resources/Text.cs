namespace Accountability.Web.Resources;

/// <summary>Anchor for the shared UI strings: Text.resx (Chinese, the neutral language) and Text.en.resx.</summary>
public sealed class Text;

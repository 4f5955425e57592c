using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Accountability.Access;

/// <summary>
/// PBKDF2-HMAC-SHA512 at 210,000 iterations (OWASP's figure for SHA-512), 16-byte salt, 64-byte key. The stored form
/// names the algorithm and iteration count, so raising the count later re-hashes on the next successful sign-in.
/// </summary>
public static class PasswordHasher
{
    public const int Iterations = 210_000;
    private const int SaltBytes = 16;
    private const int KeyBytes = 64;
    private const string Scheme = "pbkdf2-sha512";

    /// <summary>Passwords shorter than this are refused when set.</summary>
    public const int MinimumLength = 10;

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA512, KeyBytes);
        return string.Join('$', Scheme, Iterations.ToString(CultureInfo.InvariantCulture),
            Convert.ToBase64String(salt), Convert.ToBase64String(key));
    }

    /// <summary>Constant-time comparison; false for any malformed stored value.</summary>
    public static bool Verify(string password, string stored, out bool needsRehash)
    {
        needsRehash = false;
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var iterations))
        {
            return false;
        }

        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, expected.Length);
        needsRehash = iterations < Iterations;
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>A hash of nothing in particular, verified against when the login is unknown so that a wrong login
    /// takes as long as a wrong password and the response time tells an attacker nothing.</summary>
    public static readonly string Decoy = Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)));
}

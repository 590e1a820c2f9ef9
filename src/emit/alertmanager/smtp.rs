//! The SMTP relay and sender of the generated configuration: the project's, not a spec's, given by
//! `--smtp-smarthost` and `--smtp-from` (or `[alertmanager]` in `slofile.toml`).

/// The SMTP relay and sender of e-mail channels, the same for every service of a build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Smtp {
    /// `host:port` ([`parse_smarthost`]).
    pub smarthost: Option<String>,
    /// The sender address ([`parse_from`]).
    pub from: Option<String>,
}

/// `--smtp-smarthost`: `host:port`, as Alertmanager requires.
pub fn parse_smarthost(text: &str) -> Result<String, String> {
    match text.rsplit_once(':') {
        Some((host, port))
            if !host.trim().is_empty()
                && !text.contains(char::is_whitespace)
                && port.parse::<u16>().is_ok_and(|p| p > 0) =>
        {
            Ok(text.to_owned())
        }
        _ => Err(format!(
            "`{text}` is not HOST:PORT, e.g. `smtp.example.com:587`"
        )),
    }
}

/// `--smtp-from`: an e-mail address, bare or as `Name <address>`.
pub fn parse_from(text: &str) -> Result<String, String> {
    let address = text
        .rsplit_once('<')
        .and_then(|(_, rest)| rest.strip_suffix('>'))
        .unwrap_or(text);
    match address.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.is_empty()
                && !address.contains(char::is_whitespace) =>
        {
            Ok(text.to_owned())
        }
        _ => Err(format!(
            "`{text}` is not an e-mail address, e.g. `alerts@example.com`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smtp_relay_is_host_and_port_and_the_sender_an_address() {
        assert!(parse_smarthost("smtp.example.com:587").is_ok());
        assert!(parse_smarthost("[::1]:25").is_ok());
        for bad in [
            "smtp.example.com",
            ":587",
            "smtp.example.com:0",
            "smtp:x",
            "a b:25",
        ] {
            assert!(parse_smarthost(bad).is_err(), "{bad}");
        }
        assert!(parse_from("alerts@example.com").is_ok());
        assert!(parse_from("Alerts <alerts@example.com>").is_ok());
        for bad in ["alerts", "@example.com", "alerts@", "Alerts <alerts>"] {
            assert!(parse_from(bad).is_err(), "{bad}");
        }
    }
}

//! Roles and what they may do. Authorization decisions are made here, on the server, for
//! every route and object; the HTTP layer only asks.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Learner,
    Trainer,
    Hr,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Learner, Role::Trainer, Role::Hr, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Trainer => "trainer",
            Role::Hr => "hr",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The set of roles a user holds, with the organisations an HR user is scoped to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Grants {
    pub roles: Vec<Role>,
    pub hr_organisation_ids: Vec<i64>,
}

impl Grants {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }

    /// May this user see and manage people of `organisation_id`?
    /// Admins see everyone; HR users only their organisations.
    pub fn may_manage_people_of(&self, organisation_id: Option<i64>) -> bool {
        if self.is_admin() {
            return true;
        }
        match organisation_id {
            Some(org) => self.has(Role::Hr) && self.hr_organisation_ids.contains(&org),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn hr_is_scoped_to_their_organisations() {
        let hr = Grants {
            roles: vec![Role::Learner, Role::Hr],
            hr_organisation_ids: vec![7],
        };
        assert!(hr.may_manage_people_of(Some(7)));
        assert!(!hr.may_manage_people_of(Some(8)));
        assert!(!hr.may_manage_people_of(None));
        let learner = Grants {
            roles: vec![Role::Learner],
            hr_organisation_ids: vec![7],
        };
        assert!(!learner.may_manage_people_of(Some(7)));
        let admin = Grants {
            roles: vec![Role::Admin],
            hr_organisation_ids: vec![],
        };
        assert!(admin.may_manage_people_of(None));
    }
}

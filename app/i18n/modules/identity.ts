/** Strings of sign-in, sessions, accounts, SPID/CIE and business linking. Every key in `it` must exist in `en`. */
export const it = {
  "register.error.nameLong": "Il nome può avere al massimo 100 caratteri: scrivi solo nome e cognome",
  "register.error.nameCharacters":
    "Il nome contiene caratteri non ammessi (a capo, tabulazioni o caratteri invisibili): scrivilo di nuovo a mano",
  "register.error.passwordEmail":
    "La password non può contenere il tuo indirizzo email: scegline una diversa",
  "register.error.passwordDemo":
    "Questa password è pubblica (è quella degli account dimostrativi): scegline una tua",
  "register.error.passwordRepeated":
    "La password è troppo semplice (lo stesso carattere o la stessa sequenza ripetuti): usa una frase con parole diverse",
  "register.sent.title": "Controlla la tua posta",
  "register.sent.text":
    "Abbiamo inviato un messaggio all'indirizzo che hai indicato: contiene le istruzioni per accedere. Se non lo trovi, controlla la cartella della posta indesiderata.",
  "register.oidc":
    "Le imprese, i professionisti e le associazioni accedono con SPID o CIE: il primo accesso crea l'account, senza registrazione.",
  "business.link.title": "Aggiungi un'impresa",
  "business.link.lead":
    "Indica i dati dell'impresa per cui presenti le pratiche, come risultano dal Registro delle imprese.",
  "business.link.action": "Aggiungi un'impresa",
  "business.link.submit": "Aggiungi l'impresa",
  "business.link.taken":
    "Un'impresa con questo codice fiscale è già registrata sul portale: chiedi al suo legale rappresentante di aggiungerti, oppure scrivi al SUAP",
  "business.link.added": "Impresa aggiunta.",
  "business.member.title": "Chi può agire per l'impresa",
  "business.member.rep": "legale rappresentante",
  "business.member.member": "persona aggiunta dal legale rappresentante",
  "business.member.fiscalCode": "Codice fiscale della persona da aggiungere",
  "business.member.hint": "16 caratteri. La persona deve aver già effettuato l'accesso con SPID o CIE.",
  "business.member.submit": "Aggiungi la persona",
  "business.member.added": "Persona aggiunta: ora può presentare pratiche per l'impresa.",
};

export const en: Record<keyof typeof it, string> = {
  "register.error.nameLong":
    "The name can be at most 100 characters long: write only your first and last name",
  "register.error.nameCharacters":
    "The name contains characters that are not allowed (line breaks, tabs or invisible characters): type it again",
  "register.error.passwordEmail": "The password cannot contain your e-mail address: choose another one",
  "register.error.passwordDemo":
    "This password is public (it is the demo accounts' password): choose your own",
  "register.error.passwordRepeated":
    "The password is too simple (the same character or sequence repeated): use a phrase with different words",
  "register.sent.title": "Check your mail",
  "register.sent.text":
    "We have sent a message to the address you gave: it tells you how to sign in. If you cannot find it, check your spam folder.",
  "register.oidc":
    "Businesses, professionals and associations sign in with SPID or CIE: the first sign-in creates the account, no registration needed.",
  "business.link.title": "Add a business",
  "business.link.lead":
    "Enter the details of the business you file for, as recorded in the Business Register.",
  "business.link.action": "Add a business",
  "business.link.submit": "Add the business",
  "business.link.taken":
    "A business with this tax code is already registered on the portal: ask its legal representative to add you, or write to the SUAP",
  "business.link.added": "Business added.",
  "business.member.title": "Who can act for the business",
  "business.member.rep": "legal representative",
  "business.member.member": "person added by the legal representative",
  "business.member.fiscalCode": "Tax code of the person to add",
  "business.member.hint": "16 characters. The person must have signed in once with SPID or CIE.",
  "business.member.submit": "Add the person",
  "business.member.added": "Person added: they can now file for the business.",
};

/**
 * Every text `<checkout-widget>` shows, in every language it speaks: the one file translators
 * review (a row per text, the languages side by side). The browser never loads this file:
 * `npm run locales` writes `locales/<code>.ts` from it (`en` goes into the core bundle, each other
 * language becomes a chunk fetched when a widget uses it), and a unit test fails when they are stale.
 *
 * Wording follows what the big Nordic, German and Polish checkouts say ("Betal", "Zapłać");
 * German avoids both "du" and "Sie", as checkout buttons there do.
 */
import type { LocaleCode } from '../../core/language.js';

export const STRINGS = {
  /** The trigger button (overlay, popup and redirect modes). */
  pay: { en: 'Pay', da: 'Betal', sv: 'Betala', nb: 'Betal', fi: 'Maksa', de: 'Bezahlen', pl: 'Zapłać' },
  /** Embedded mode while the session is set up; also the text of a popup until its page loads. */
  loading: {
    en: 'Loading checkout…',
    da: 'Indlæser betaling…',
    sv: 'Laddar kassan…',
    nb: 'Laster inn betaling…',
    fi: 'Ladataan kassaa…',
    de: 'Kasse wird geladen…',
    pl: 'Ładowanie płatności…',
  },
  /** The accessible name of the overlay dialog and of the provider frame; a popup's title. */
  checkout: { en: 'Checkout', da: 'Betaling', sv: 'Kassa', nb: 'Betaling', fi: 'Kassa', de: 'Kasse', pl: 'Płatność' },
  /** The overlay's close button (its accessible name: the button shows "×"). */
  close: {
    en: 'Close checkout',
    da: 'Luk betaling',
    sv: 'Stäng kassan',
    nb: 'Lukk betaling',
    fi: 'Sulje kassa',
    de: 'Kasse schließen',
    pl: 'Zamknij płatność',
  },
  /** After a retryable error. */
  retry: {
    en: 'Try again',
    da: 'Prøv igen',
    sv: 'Försök igen',
    nb: 'Prøv igjen',
    fi: 'Yritä uudelleen',
    de: 'Erneut versuchen',
    pl: 'Spróbuj ponownie',
  },
  /** After a cancel or an expiry in embedded mode. */
  restart: {
    en: 'Start again',
    da: 'Start forfra',
    sv: 'Börja om',
    nb: 'Start på nytt',
    fi: 'Aloita alusta',
    de: 'Neu starten',
    pl: 'Zacznij od nowa',
  },
  /**
   * `load="interaction"`: the widget's own button, before anything loads from the endpoint or a
   * provider (the shopper's consent to start the payment).
   */
  proceed: {
    en: 'Continue to payment',
    da: 'Fortsæt til betaling',
    sv: 'Fortsätt till betalning',
    nb: 'Fortsett til betaling',
    fi: 'Jatka maksamaan',
    de: 'Weiter zur Zahlung',
    pl: 'Przejdź do płatności',
  },
  /**
   * The provider reports a payment on this session under way (3-D Secure, a bank app, a
   * `processing` payment): the widget offers no new attempt until its outcome is known.
   */
  pending: {
    en: "Payment in progress. Don't pay again.",
    da: 'Betalingen er i gang. Betal ikke igen.',
    sv: 'Betalningen pågår. Betala inte igen.',
    nb: 'Betalingen pågår. Ikke betal på nytt.',
    fi: 'Maksu on käynnissä. Älä maksa uudelleen.',
    de: 'Zahlung läuft. Bitte nicht erneut bezahlen.',
    pl: 'Płatność w toku. Nie płać ponownie.',
  },
  /** While the endpoint confirms a payment. */
  processing: {
    en: 'Confirming your payment…',
    da: 'Bekræfter din betaling…',
    sv: 'Bekräftar din betalning…',
    nb: 'Bekrefter betalingen…',
    fi: 'Vahvistetaan maksua…',
    de: 'Zahlung wird bestätigt…',
    pl: 'Potwierdzanie płatności…',
  },
  complete: {
    en: 'Payment complete.',
    da: 'Betalingen er gennemført.',
    sv: 'Betalningen är genomförd.',
    nb: 'Betalingen er fullført.',
    fi: 'Maksu on suoritettu.',
    de: 'Zahlung abgeschlossen.',
    pl: 'Płatność zakończona.',
  },
  cancelled: {
    en: 'Checkout cancelled.',
    da: 'Betalingen blev annulleret.',
    sv: 'Betalningen avbröts.',
    nb: 'Betalingen ble avbrutt.',
    fi: 'Maksu peruutettiin.',
    de: 'Zahlung abgebrochen.',
    pl: 'Płatność anulowana.',
  },
  expired: {
    en: 'This checkout expired.',
    da: 'Betalingen er udløbet.',
    sv: 'Tiden för betalningen har gått ut.',
    nb: 'Betalingen er utløpt.',
    fi: 'Maksun voimassaoloaika päättyi.',
    de: 'Die Zahlung ist abgelaufen.',
    pl: 'Sesja płatności wygasła.',
  },
  /** The method chooser's legend (`methods="choose"`): the name of its radio group. */
  methods: {
    en: 'Choose a way to pay',
    da: 'Vælg betalingsmetode',
    sv: 'Välj betalsätt',
    nb: 'Velg betalingsmåte',
    fi: 'Valitse maksutapa',
    de: 'Zahlungsart wählen',
    pl: 'Wybierz metodę płatności',
  },
  /** The method chooser's button: goes on to the chosen method's checkout. */
  continue: { en: 'Continue', da: 'Fortsæt', sv: 'Fortsätt', nb: 'Fortsett', fi: 'Jatka', de: 'Weiter', pl: 'Dalej' },
  /** Beside a method whose provider's script could not load. */
  unavailable: {
    en: 'Not available right now',
    da: 'Ikke tilgængelig lige nu',
    sv: 'Inte tillgängligt just nu',
    nb: 'Ikke tilgjengelig akkurat nå',
    fi: 'Ei käytettävissä juuri nyt',
    de: 'Derzeit nicht verfügbar',
    pl: 'Obecnie niedostępne',
  },
  /** After `provider_load_failed`'s text, when the chooser offers the other methods. */
  choose_another: {
    en: 'Choose another way to pay.',
    da: 'Vælg en anden betalingsmetode.',
    sv: 'Välj ett annat betalsätt.',
    nb: 'Velg en annen betalingsmåte.',
    fi: 'Valitse toinen maksutapa.',
    de: 'Bitte eine andere Zahlungsart wählen.',
    pl: 'Wybierz inną metodę płatności.',
  },
  // What the shopper reads for each `checkout-error` code; the technical message stays in the
  // event's `detail.message` for the shop. The English reuses the wording of the technical
  // messages where that already suits a shopper: gzip then stores it once in the core bundle.
  endpoint_unreachable: {
    en: 'The checkout could not be reached. Check your connection and try again.',
    da: 'Der kunne ikke oprettes forbindelse. Tjek din forbindelse, og prøv igen.',
    sv: 'Det gick inte att ansluta. Kontrollera anslutningen och försök igen.',
    nb: 'Kunne ikke koble til. Sjekk tilkoblingen og prøv igjen.',
    fi: 'Yhteyttä ei saatu. Tarkista verkkoyhteys ja yritä uudelleen.',
    de: 'Keine Verbindung. Bitte Verbindung prüfen und erneut versuchen.',
    pl: 'Nie udało się połączyć. Sprawdź połączenie i spróbuj ponownie.',
  },
  endpoint_error: {
    en: 'The checkout could not be started. Try again in a moment.',
    da: 'Betalingen kunne ikke startes. Prøv igen om lidt.',
    sv: 'Kassan kunde inte öppnas. Försök igen om en stund.',
    nb: 'Betalingen kunne ikke startes. Prøv igjen om litt.',
    fi: 'Kassaa ei voitu avata. Yritä hetken päästä uudelleen.',
    de: 'Die Kasse konnte nicht geöffnet werden. Bitte gleich erneut versuchen.',
    pl: 'Nie udało się rozpocząć płatności. Spróbuj ponownie za chwilę.',
  },
  invalid_session: {
    en: 'The checkout could not be started.',
    da: 'Betalingen kunne ikke startes.',
    sv: 'Kassan kunde inte öppnas.',
    nb: 'Betalingen kunne ikke startes.',
    fi: 'Kassaa ei voitu avata.',
    de: 'Die Kasse konnte nicht geöffnet werden.',
    pl: 'Nie udało się rozpocząć płatności.',
  },
  provider_load_failed: {
    en: 'The checkout could not be shown.',
    da: 'Betalingen kunne ikke vises.',
    sv: 'Kassan kunde inte visas.',
    nb: 'Betalingen kunne ikke vises.',
    fi: 'Kassaa ei voitu näyttää.',
    de: 'Die Kasse konnte nicht angezeigt werden.',
    pl: 'Nie udało się wyświetlić płatności.',
  },
  popup_blocked: {
    en: 'The browser blocked the checkout window. Allow pop-ups and try again.',
    da: 'Din browser blokerede betalingsvinduet. Tillad pop op-vinduer, og prøv igen.',
    sv: 'Webbläsaren blockerade betalfönstret. Tillåt popup-fönster och försök igen.',
    nb: 'Nettleseren blokkerte betalingsvinduet. Tillat popup-vinduer og prøv igjen.',
    fi: 'Selain esti maksuikkunan. Salli ponnahdusikkunat ja yritä uudelleen.',
    de: 'Der Browser hat das Zahlungsfenster blockiert. Bitte Pop-ups erlauben und erneut versuchen.',
    pl: 'Przeglądarka zablokowała okno płatności. Zezwól na wyskakujące okna i spróbuj ponownie.',
  },
  payment_failed: {
    en: 'The payment failed. Try again or use another way to pay.',
    da: 'Betalingen mislykkedes. Prøv igen, eller vælg en anden betalingsmetode.',
    sv: 'Betalningen misslyckades. Försök igen eller välj ett annat betalsätt.',
    nb: 'Betalingen mislyktes. Prøv igjen eller velg en annen betalingsmåte.',
    fi: 'Maksu epäonnistui. Yritä uudelleen tai valitse toinen maksutapa.',
    de: 'Die Zahlung ist fehlgeschlagen. Bitte erneut versuchen oder eine andere Zahlungsart wählen.',
    pl: 'Płatność nie powiodła się. Spróbuj ponownie lub wybierz inną metodę płatności.',
  },
  /** `429 rate_limited`: the backend's card-testing limits refused; a minute later it takes requests again. */
  rate_limited: {
    en: 'Too many attempts. Wait a minute and try again.',
    da: 'For mange forsøg. Vent et minut, og prøv igen.',
    sv: 'För många försök. Vänta en minut och försök igen.',
    nb: 'For mange forsøk. Vent et minutt og prøv igjen.',
    fi: 'Liian monta yritystä. Odota hetki ja yritä uudelleen.',
    de: 'Zu viele Versuche. Bitte eine Minute warten und erneut versuchen.',
    pl: 'Zbyt wiele prób. Odczekaj minutę i spróbuj ponownie.',
  },
  verification_failed: {
    en: 'The payment could not be confirmed yet. Check again in a moment.',
    da: 'Din betaling kunne ikke bekræftes endnu. Prøv igen om lidt.',
    sv: 'Betalningen kunde inte bekräftas än. Försök igen om en stund.',
    nb: 'Betalingen kunne ikke bekreftes ennå. Prøv igjen om litt.',
    fi: 'Maksua ei voitu vielä vahvistaa. Yritä hetken päästä uudelleen.',
    de: 'Die Zahlung konnte noch nicht bestätigt werden. Bitte gleich erneut versuchen.',
    pl: 'Nie udało się jeszcze potwierdzić płatności. Spróbuj ponownie za chwilę.',
  },
} as const satisfies Record<string, Record<LocaleCode, string>>;

/** Keys of the widget's texts: what the `strings` property overrides. */
export type StringKey = keyof typeof STRINGS;
/** One language's texts. */
export type CheckoutStrings = Record<StringKey, string>;
